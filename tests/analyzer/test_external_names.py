"""Names from an installed helper package, resolved with jedi off the keystroke path."""

from __future__ import annotations

from pathlib import Path

from livedag.server.analyzer import ExternalNames, ModuleSource

MODULE = "from team_helpers import ec, Number\n@ec('a')\ndef f(x: Number) -> int:\n    return x\n"


def test_a_reexported_decorator_is_recognized_after_refinement(tmp_path: Path) -> None:
    package = tmp_path / "team_helpers"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from hamilton.function_modifiers import extract_columns as ec\n"
        "from numbers import Number\n"
    )
    external = ExternalNames(str(tmp_path))
    source = ModuleSource("m", str(tmp_path / "m.py"), external=external)

    first = source.update(MODULE)  # the keystroke path: nothing resolved yet, nothing blocks
    (call,) = first.functions[0].decorators
    assert (call.name, call.known) == ("team_helpers.ec", False)
    assert {"team_helpers.ec", "team_helpers.Number"} <= first.pending_names

    resolved = external.resolve(first.pending_names)  # in the background, in the workspace
    assert resolved["team_helpers.ec"] == "hamilton.function_modifiers.extract_columns"

    refined = source.refresh()
    assert refined is not None
    (call,) = refined.functions[0].decorators
    assert (call.name, call.args, call.known) == ("extract_columns", ("a",), True)
    annotation = refined.functions[0].parameters[0].annotation
    assert annotation is not None and annotation.qualified == "numbers.Number"

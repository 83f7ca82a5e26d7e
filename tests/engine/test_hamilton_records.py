"""Hamilton's decorators read by the runtime front end (`engine/hamilton_records.py`): what it
cannot honour stops the build with an error naming the decorator and the function."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from livedag.engine import driver
from livedag.engine.hamilton_records import HamiltonDecoratorError
from livedag.engine.introspect import module_functions

from tests.oracle import load_module


def _module(tmp_path: Path, source: str) -> types.ModuleType:
    path = tmp_path / "flow.py"
    path.write_text(textwrap.dedent(source))
    return load_module(path, prefix="records")


def _build(module: types.ModuleType) -> driver.Driver:
    return driver.Builder().with_modules(module).build()


def test_decorators_come_out_in_source_order_with_live_arguments(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        """
        import pandas as pd
        from hamilton import function_modifiers as fm

        COLUMNS = ("a", "b")

        @fm.tag(owner="x")
        @fm.extract_columns(*COLUMNS)
        def frame(raw: pd.DataFrame) -> pd.DataFrame:
            return raw
        """,
    )
    (spec,) = module_functions(module)
    assert [(c.name, c.args, dict(c.kwargs)) for c in spec.decorators] == [
        ("tag", (), {"owner": "x"}),
        ("extract_columns", ("a", "b"), {}),
    ]
    assert spec.decorators[0].location is not None
    assert spec.decorators[0].location.line == 7


def test_a_hamilton_decorator_without_a_rule_is_an_error(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        """
        from hamilton.function_modifiers import base

        class shout(base.NodeDecorator):
            def __init__(self):
                super().__init__(target=None)

            def decorate_node(self, node_):
                return node_

        @shout()
        def loud(x: int) -> int:
            return x
        """,
    )
    with pytest.raises(HamiltonDecoratorError, match=r"@shout\(\) on loud: .*do not know"):
        _build(module)


def test_a_decorator_object_built_elsewhere_is_an_error(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        """
        from hamilton.function_modifiers import tag

        OWNED = tag(owner="ops")

        @OWNED
        def owned(x: int) -> int:
            return x
        """,
    )
    with pytest.raises(HamiltonDecoratorError, match=r"@OWNED on owned: .*`@tag\(\.\.\.\)`"):
        _build(module)


def test_a_decorator_applied_by_a_call_is_an_error(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        """
        from hamilton.function_modifiers import tag

        def plain(x: int) -> int:
            return x

        plain = tag(owner="ops")(plain)
        """,
    )
    with pytest.raises(HamiltonDecoratorError, match=r"on plain: 1 Hamilton decorator"):
        _build(module)


def test_a_function_without_source_is_an_error(tmp_path: Path) -> None:
    module = types.ModuleType("sourceless")
    sys.modules["sourceless"] = module
    code = textwrap.dedent(
        """
        from hamilton.function_modifiers import tag

        @tag(owner="ops")
        def hidden(x: int) -> int:
            return x
        """
    )
    exec(compile(code, "<generated>", "exec"), module.__dict__)
    with pytest.raises(HamiltonDecoratorError, match=r"hidden: .*source is not available"):
        _build(module)


def test_a_name_redefined_below_means_the_definition_the_decorator_saw(tmp_path: Path) -> None:
    module = _module(
        tmp_path,
        """
        from hamilton.function_modifiers import pipe_output, step

        def _step(x: int) -> int:
            return x + 1

        @pipe_output(step(_step))
        def counted(raw: int) -> int:
            return raw

        def _step(x: int) -> int:
            return x * 100
        """,
    )
    assert _build(module).execute(["counted"], inputs={"raw": 1}) == {"counted": 2}


def test_livedag_only_code_runs_without_hamilton(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(
        textwrap.dedent(
            """
            from livedag.engine.function_modifiers import extract_fields, tag

            @tag(owner="x")
            @extract_fields({"a": int})
            def parts(raw: int) -> dict:
                return {"a": raw}
            """
        )
    )
    script = textwrap.dedent(
        """
        import sys
        sys.modules["hamilton"] = None  # importing it now fails
        import flow
        from livedag.engine import driver
        print(driver.Builder().with_modules(flow).build().execute(["a"], inputs={"raw": 3}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'a': 3}"

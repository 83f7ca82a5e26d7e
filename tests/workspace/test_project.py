"""`[tool.livedag]`: what it accepts, and messages that name the key that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from livedag.engine.specs import Severity
from livedag.server.project import ProjectConfigError, load_project_config


def _project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(body)
    return tmp_path


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    config = load_project_config(tmp_path)
    assert config.dataflows == ()
    assert config.select is None and config.ignore == frozenset()
    assert config.severity is Severity.WARNING


def test_reads_dataflows_and_lint_keys(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        """
[tool.livedag]
select = ["LD001", "ld002"]
ignore = ["LD008"]
severity = "error"

[[tool.livedag.dataflows]]
name = "churn"
modules = ["loading", "features"]
config = { region = "eu", n = 3 }
inputs = ["data_dir"]

[[tool.livedag.dataflows]]
name = "other"
paths = ["src/other"]
""",
    )
    (root / "sub").mkdir()
    config = load_project_config(root / "sub")  # found from a folder below
    assert config.root == root
    assert config.select == {"LD001", "LD002"} and config.ignore == {"LD008"}
    assert config.severity is Severity.ERROR
    churn, other = config.dataflows
    assert (churn.name, churn.modules, churn.inputs) == (
        "churn",
        ("loading", "features"),
        ("data_dir",),
    )
    assert churn.config == {"region": "eu", "n": 3}
    assert other.paths == ((root / "src" / "other").resolve(),) and other.inputs is None


def test_dataflows_as_a_table_keyed_by_name(tmp_path: Path) -> None:
    root = _project(tmp_path, '[tool.livedag.dataflows.churn]\nmodules = ["a"]\n')
    (flow,) = load_project_config(root).dataflows
    assert flow.name == "churn" and flow.modules == ("a",)


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ('[tool.livedag]\nseverity = "loud"', ["severity", "error, warning, info", "'loud'"]),
        ('[tool.livedag]\nselect = "LD001"', ["select", "list of LD codes"]),
        ('[tool.livedag]\nignore = ["E501"]', ["ignore", "'E501'", "LD001"]),
        ("[tool.livedag]\ncolour = 1", ["'colour'", "expected one of"]),
        ('[[tool.livedag.dataflows]]\nname = "x"', ["dataflows[0]", "`modules`", "`paths`"]),
        (
            '[[tool.livedag.dataflows]]\nname = "x"\nmodules = "a"',
            ["dataflows[0] modules", "module names"],
        ),
        ('[[tool.livedag.dataflows]]\nmodules = ["a"]', ["dataflows[0] name", "non-empty string"]),
        (
            '[[tool.livedag.dataflows]]\nname = "x"\nmodules = ["a"]\nconfig = 3',
            ["dataflows[0] config", "table"],
        ),
        (
            '[[tool.livedag.dataflows]]\nname = "x"\nmodules = ["a"]\ninputs = [1]',
            ["dataflows[0] inputs", "input names"],
        ),
        (
            '[[tool.livedag.dataflows]]\nname = "x"\nmodules = ["a"]\n'
            '[[tool.livedag.dataflows]]\nname = "x"\nmodules = ["b"]',
            ["declared twice"],
        ),
        ("[tool.livedag\n", ["not valid TOML"]),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, body: str, names: list[str]) -> None:
    root = _project(tmp_path, body)
    with pytest.raises(ProjectConfigError) as caught:
        load_project_config(root)
    for name in names:
        assert name in str(caught.value)

"""The project's environment, seen without importing anything, and the plugin notices it settles."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from livedag.engine.codes import Code
from livedag.server.project import Environment, project_environment
from livedag.server.workspace import Workspace

Project = Callable[..., Path]  # the `project` fixture of conftest.py


def _virtualenv(prefix: Path, *entries: str) -> Path:
    """A virtualenv folder whose site-packages holds `entries` (a trailing `/` makes a folder)."""
    (prefix / "pyvenv.cfg").parent.mkdir(parents=True, exist_ok=True)
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\n")
    site = prefix / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    for entry in entries:
        path = site / entry
        if entry.endswith("/"):
            path.mkdir()
        else:
            path.write_text("")
    return site


def test_packages_modules_extensions_and_pth_folders_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    editable = tmp_path / "checkout"
    (editable / "lancedb").mkdir(parents=True)
    site = _virtualenv(
        tmp_path / ".venv",
        "datasets/",
        "six.py",
        "fastjson.cpython-311-x86_64-linux-gnu.so",
        "datasets-2.0.dist-info/",
        "__pycache__/",
    )
    (site / "_lancedb.pth").write_text(f"# an editable install\nimport os\n{editable}\n")
    environment = project_environment(tmp_path)
    assert environment.folders == (site,)
    found = {n: environment.has(n) for n in ("datasets", "six", "fastjson", "lancedb", "pyspark")}
    assert found == {
        "datasets": True,
        "six": True,
        "fastjson": True,
        "lancedb": True,
        "pyspark": False,
    }
    assert environment.has("datasets.formatting")  # a submodule: its top-level package


def test_the_active_virtualenv_wins_and_livedags_own_python_is_the_last_resort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = _virtualenv(tmp_path / "active", "vaex/")
    _virtualenv(tmp_path / "project" / ".venv", "ibis/")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert project_environment(tmp_path / "project").folders == (active,)
    monkeypatch.delenv("VIRTUAL_ENV")
    assert project_environment(tmp_path / "project").has("ibis")
    bare = project_environment(tmp_path / "elsewhere")
    assert Path(sys.prefix) in {Path(p) for f in bare.folders for p in f.parents}
    assert bare.has("pytest") and not bare.has("surely_no_such_package_here")


def test_an_unreadable_folder_has_nothing() -> None:
    assert not Environment([Path("/nonexistent/site-packages")]).has("pandas")


NER = """
    from datasets import Dataset
    from hamilton.function_modifiers import load_from, save_to, source

    @load_from.hf_dataset(path="conll2003")
    def tokens(ds: Dataset) -> Dataset:
        return ds

    @save_to.lancedb(db_client=source("db"), table_name="t", output_name_="stored")
    def rows(tokens: Dataset) -> Dataset:
        return tokens
"""


def test_a_plugin_notice_is_reported_only_when_its_libraries_are_missing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    root = project(pyproject="[tool.livedag]\n", ner=NER)
    path = root / "ner.py"

    def notices() -> list[tuple[int, str]]:
        problems = Workspace([root]).index().problems_for(path)
        assert {p.code for p in problems} <= {Code.UNKNOWABLE}
        return [(p.location.line, p.message.split(" comes from")[0]) for p in problems]

    _virtualenv(root / ".venv")  # neither datasets nor lancedb
    assert notices() == [
        (4, "`load_from.hf_dataset` (HuggingFaceDSLoader)"),
        (8, "`save_to.lancedb` (HuggingFaceDSLanceDBSaver)"),
    ]
    (root / ".venv" / "lib" / "python3.11" / "site-packages" / "datasets").mkdir()
    assert notices() == [(8, "`save_to.lancedb` (HuggingFaceDSLanceDBSaver)")]  # lancedb missing
    (root / ".venv" / "lib" / "python3.11" / "site-packages" / "lancedb").mkdir()
    assert notices() == []

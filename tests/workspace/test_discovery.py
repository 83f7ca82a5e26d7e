"""Module names from paths, files to analyze, and which dataflow each module belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livedag.engine.specs import FunctionSpec, LocatedStr, Location
from livedag.server.discovery import ModuleIndex, module_name, plan_dataflows, python_files
from livedag.server.project import load_project_config


def _touch(root: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        out.append(path.resolve())
    return out


def test_module_names_follow_packages_and_src_layouts(tmp_path: Path) -> None:
    pkg, init, loose, src = _touch(
        tmp_path,
        "src/shop/features/cleaning.py",
        "src/shop/__init__.py",
        "scripts/run.py",
        "src/shop/features/__init__.py",
    )
    assert module_name(pkg) == "shop.features.cleaning"
    assert module_name(init) == "shop"
    assert module_name(src) == "shop.features"
    assert module_name(loose) == "run"


def test_python_files_skip_environments_and_hidden_folders(tmp_path: Path) -> None:
    keep = _touch(tmp_path, "a.py", "pkg/b.py")
    _touch(
        tmp_path,
        ".venv/lib/x.py",
        "node_modules/y.py",
        ".git/z.py",
        "lib/site-packages/s.py",
        "notes.txt",
    )
    assert python_files([tmp_path]) == sorted(keep)
    assert python_files([keep[0]]) == [keep[0]]


def test_a_script_imports_its_neighbours_first(tmp_path: Path) -> None:
    near, far, run = _touch(tmp_path, "flows/features.py", "features.py", "flows/run.py")
    index = ModuleIndex([near, far, run], tmp_path)
    assert index.resolve("features", near=run) == near
    assert index.resolve("features") in {near, far}
    assert index.resolve("flows.features") == near  # dotted from the root
    assert index.resolve("nowhere") is None


@dataclass(frozen=True)
class _Use:
    modules: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)
    outputs: tuple[LocatedStr, ...] = ()
    inputs: tuple[LocatedStr, ...] = ()
    location: Location = Location(None, 1, 0, 1, 1)


@dataclass(frozen=True)
class _Analysis:
    drivers: tuple[_Use, ...] = ()
    imports: dict[str, str] = field(default_factory=lambda: {"fm": "hamilton.function_modifiers"})
    functions: tuple[FunctionSpec, ...] = ()


def test_drivers_make_dataflows_and_the_rest_stand_alone(tmp_path: Path) -> None:
    a, b, c, run = _touch(tmp_path, "a.py", "b.py", "c.py", "run.py")
    index = ModuleIndex([a, b, c, run], tmp_path)
    use = _Use(("a", "b", "not_in_workspace"), {"region": "eu"})
    analyses = {a: _Analysis(), b: _Analysis(), c: _Analysis(), run: _Analysis((use,))}
    plans = {p.name: p for p in plan_dataflows(load_project_config(tmp_path), analyses, index)}
    assert set(plans) == {f"driver:{run}", "module:c"}
    driven = plans[f"driver:{run}"]
    assert driven.paths == (a, b) and driven.config == {"region": "eu"}
    # The module outside the workspace is remembered: the driver's outputs cannot be judged.
    assert driven.drivers == ((run, use),)
    assert driven.elsewhere == (("not_in_workspace",),)
    assert plans["module:c"].paths == (c,)


def test_pyproject_dataflows_take_over_and_keep_their_drivers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.livedag.dataflows]]\nname = "main"\nmodules = ["a"]\npaths = ["pkg"]\n'
        'inputs = ["x"]\nconfig = {k = 1}\n'
    )
    a, b, c, run = _touch(tmp_path, "a.py", "pkg/b.py", "c.py", "run.py")
    index = ModuleIndex([a, b, c, run], tmp_path)
    use = _Use(("a",))
    analyses = {a: _Analysis(), b: _Analysis(), c: _Analysis(), run: _Analysis((use,))}
    (plan,) = plan_dataflows(load_project_config(tmp_path), analyses, index)
    assert plan.name == "pyproject:main"
    assert plan.paths == (a, b) and plan.declared_inputs == ("x",) and plan.config == {"k": 1}
    assert plan.drivers == ((run, use),)

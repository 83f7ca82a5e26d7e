"""The command behaves as Unix tools do: a closed pipe ends it quietly, every mistake is one line
on stderr that says what to do (exit 2), and an empty answer says why it is empty."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.server import cli

EXAMPLE = Path(__file__).parent.parent.parent / "examples"
LIVEDAG = Path(sys.executable).with_name("livedag")
Run = Callable[..., Any]


def _one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.endswith("\n")


@pytest.mark.parametrize(
    ("argv", "status"),
    [(["graph"], 0), (["lint"], 1), (["dataflows"], 0), (["lineage", "upstream", "n2"], 0)],
    ids=["graph", "lint", "dataflows", "lineage"],
)
def test_a_reader_that_has_gone_ends_the_command_quietly(
    tmp_path: Path, argv: list[str], status: int
) -> None:
    """`livedag graph | head`: no traceback, and lint still says it found problems (exit 1).

    The reading end is closed before the command writes anything (it is still starting), so
    its first write meets a closed pipe, as a write after `head` has quit does."""
    # LD005 on each function (no return annotation): lint has something to report
    (tmp_path / "chain.py").write_text(
        "".join(f"def n{i}(n{i - 1}: int):\n    return n{i - 1}\n\n\n" for i in range(1, 4))
    )
    with subprocess.Popen(
        [str(LIVEDAG), *argv, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == status, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize(
    "command", [["graph"], ["lint"], ["dataflows"], ["lineage", "upstream", "x"]]
)
def test_no_python_file_is_a_usage_error_for_every_command(
    livedag: Run, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not python\n")
    result = livedag(*command, str(tmp_path))
    assert result.code == 2 and result.out == "" and _one_line(result.err)
    assert f"no Python files in {tmp_path}" in result.err


def test_python_files_that_make_no_dataflow(livedag: Run, tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def _private(x):\n    return x\n")
    graph = livedag("graph", str(tmp_path))
    assert graph.code == 2 and "make no dataflow" in graph.err and _one_line(graph.err)
    lint = livedag("lint", str(tmp_path))  # syntax was still checked: not a usage error
    assert lint.code == 0 and "make no dataflow" in lint.err and "only syntax" in lint.err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--select", "LD999"], "--select: unknown code LD999; the codes are LD001, LD002"),
        (["--select", ","], "--select needs at least one code"),
        (["--ignore", "LD001,LD998"], "--ignore: unknown code LD998"),
    ],
)
def test_unknown_codes_are_usage_errors(livedag: Run, argv: list[str], says: str) -> None:
    result = livedag("lint", *argv, str(EXAMPLE))
    assert result.code == 2 and result.out == "" and _one_line(result.err)
    assert says in result.err


def test_unknown_codes_in_pyproject_are_usage_errors(livedag: Run, tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text("def a(raw: int) -> int:\n    return raw\n")
    (tmp_path / "pyproject.toml").write_text('[tool.livedag]\nignore = ["LD077"]\n')
    result = livedag("lint", str(tmp_path))
    assert result.code == 2 and _one_line(result.err)
    assert "pyproject.toml [tool.livedag] ignore: unknown code LD077" in result.err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["lineage", "path", "email"], "the following arguments are required: TO"),
        (["lineage"], "the following arguments are required: QUESTION"),
        (["graph", "--dataflow"], "--dataflow: expected one argument"),
        (["graph", "--format", "svg"], "invalid choice: 'svg'"),
        (["lineage", "upstream", "age", "--depth", "two"], "invalid int value: 'two'"),
        (["graph", "--colour", str(EXAMPLE)], "livedag graph: unrecognized arguments: --colour"),
    ],
)
def test_argument_errors_are_one_line_pointing_at_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    """argparse's own errors too: one line, not the whole usage text."""
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except SystemExit as exited:  # argparse leaves through SystemExit
        code = exited.code
    err = capsys.readouterr().err
    assert code == 2 and _one_line(err), err
    assert says in err and "--help`)" in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["lineage", "upstream", "churn_scores", "--depth", "-1"], "depth must be 0 or more"),
        (["lineage", "tagged", "=pii"], "'=pii' is not a tag: write KEY=VALUE"),
        (["graph", "--config", "region"], "--config expects KEY=VALUE (e.g. --config region=eu)"),
        (["lineage", "upstream", "churn_scor"], "did you mean 'churn_scores'"),
        (["lineage", "downstream", "xqzv"], "`livedag graph` lists the nodes"),
        (["lineage", "path", "email", "examples"], "examples is a path: give the question's"),
        (["lint", "--dataflow", "all"], None),
        (["lineage", "tagged", "PII", "--dataflow", "all"], "--dataflow all is for `graph`"),
    ],
)
def test_mistakes_are_one_line_that_says_what_to_do(
    livedag: Run, monkeypatch: pytest.MonkeyPatch, argv: list[str], says: str | None
) -> None:
    monkeypatch.chdir(EXAMPLE.parent)
    result = livedag(*argv, "examples")
    if says is None:  # accepted: lint of every dataflow
        assert result.code == 0, result.err
        return
    assert result.code == 2 and result.out == "" and _one_line(result.err), result.err
    assert says in result.err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["upstream", "data_dir"], "'data_dir' depends on nothing"),
        (["downstream", "model_accuracy"], "nothing depends on 'model_accuracy'"),
        (["path", "churn_scores", "email"], "it runs the other way: swap FROM and TO"),
        (["tagged", "pii=true"], "did you mean the tag 'PII'?"),
        (["tagged", "PII=false"], "the values of PII here: true"),
    ],
)
def test_an_empty_answer_says_why(livedag: Run, argv: list[str], says: str) -> None:
    result = livedag("lineage", *argv, str(EXAMPLE))
    assert result.code == 0 and result.out == "" and _one_line(result.err)
    assert says in result.err


def test_interrupt_exits_130_without_a_traceback(
    livedag: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_lint", interrupted)
    result = livedag("lint", str(EXAMPLE))
    assert (result.code, result.err) == (130, "livedag lint: interrupted\n")

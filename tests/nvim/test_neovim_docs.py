"""docs/lsp.md's Neovim set-up, as written there, works in a real Neovim 0.7.

The test takes the set-up's Lua block out of the document, replaces only the `livedag_cmd` line
(this checkout's server), loads it as Neovim's init.lua, and tests/nvim/docs_mappings.lua presses
each documented mapping in a Python buffer of the LSP harness's three-file dataflow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.lsp_harness import STANDARD

pytestmark = [pytest.mark.slow, pytest.mark.editor]

HERE = Path(__file__).parent
DOCS = HERE.parent.parent / "docs" / "lsp.md"
NVIM = shutil.which("nvim")
COMMAND_LINE = re.compile(r"^local livedag_cmd = .*$", re.M)


def documented_setup() -> str:
    """The first Lua block of the Neovim section of docs/lsp.md."""
    text = DOCS.read_text()
    section = text[text.index("\n## Neovim") :]
    found = re.search(r"```lua\n(.*?)```", section, re.S)
    assert found, "docs/lsp.md: the Neovim section has no ```lua block"
    setup = found.group(1)
    assert COMMAND_LINE.search(setup), "docs/lsp.md: the set-up no longer starts with livedag_cmd"
    return setup


def test_documented_neovim_mappings_work(tmp_path: Path) -> None:
    if NVIM is None:
        message = "needs Neovim (Debian package neovim): run scripts/system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    command = json.dumps([sys.executable, "-m", "livedag.server.lsp.server"])
    setup = COMMAND_LINE.sub(
        lambda _: "local livedag_cmd = vim.fn.json_decode(vim.env.LIVEDAG_CMD)",
        documented_setup(),
        count=1,
    )
    init = tmp_path / "init.lua"
    init.write_text(f"{setup}\ndofile({json.dumps(str(HERE / 'docs_mappings.lua'))})\n")
    out = tmp_path / "nvim-result.json"
    env = {
        **os.environ,
        "LIVEDAG_CMD": command,
        "LIVEDAG_ROOT": str(tmp_path),
        "LIVEDAG_OUT": str(out),
    }
    run = subprocess.run(
        [NVIM, "--headless", "-i", "NONE", "-u", str(init)],
        env=env,
        cwd=tmp_path,
        timeout=180,
        capture_output=True,
        text=True,
    )
    assert out.exists(), f"Neovim wrote no result (status {run.returncode}): {run.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert result["errors"] == [], json.dumps(result, indent=1)[:3000]
    assert result["attached"]
    assert result["maps"] == dict.fromkeys(result["maps"], True) and len(result["maps"]) == 7
    assert result["omnifunc"] == "v:lua.vim.lsp.omnifunc"

    # <leader>l: the two lenses of `contact`; each, run, answered by the server in a message
    assert result["lenses"] == ["↑ 4 upstream", "↓ 2 downstream"]
    downstream, upstream = result["messages"][:2]
    assert downstream.startswith("contact is used by 1: age_normalized (features.py:")
    assert upstream.startswith("contact depends on 4: ")

    hover = "\n".join(result["hover"])
    assert "contact" in hover and "How to reach a person." in hover

    assert {(e["file"], e["text"].strip()[:24]) for e in result["references"]} >= {
        ("model.py", "def score(age_normalized")
    }
    assert [(e["file"], e["text"]) for e in result["incoming"]] == [("model.py", "score")]

    words = [item["word"] for item in result["completion"]]
    assert words[0] == "age_normalized: pd.Series"

    features = result["features_after_rename"]
    assert "def reach(email: pd.Series) -> pd.Series:" in features
    assert "contact" not in features

    model = result["model_after_fix"]
    assert "age_normalised" not in model
    assert "def score(age_normalized: pd.Series" in model

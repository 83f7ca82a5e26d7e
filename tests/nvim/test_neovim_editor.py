"""A real Neovim 0.7 uses completion (omnifunc), rename, a quick fix and incoming calls.

tests/nvim/editor_features.lua drives them with Neovim's own functions on the LSP harness's
three-file dataflow; this test checks the texts and lists Neovim ended up with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.lsp_harness import STANDARD

pytestmark = [pytest.mark.slow, pytest.mark.editor]

HERE = Path(__file__).parent
NVIM = shutil.which("nvim")


def test_neovim_completes_renames_fixes_and_lists_callers(tmp_path: Path) -> None:
    if NVIM is None:
        message = "needs Neovim (Debian package neovim): run scripts/system-deps.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "nvim-result.json"
    env = {
        **os.environ,
        "LIVEDAG_CMD": json.dumps([sys.executable, "-m", "livedag.server.lsp.server"]),
        "LIVEDAG_ROOT": str(tmp_path),
        "LIVEDAG_OUT": str(out),
    }
    subprocess.run(
        [NVIM, "--headless", "-i", "NONE", "-u", str(HERE / "editor_features.lua")],
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
        capture_output=True,
    )
    result = json.loads(out.read_text())
    assert result["errors"] == []

    words = [item["word"] for item in result["completion"]]
    assert words[0] == "age_normalized: pd.Series"

    model = "\n".join(result["model_after_fix"])
    assert "age_normalised" not in model
    assert "def score(age_normalized: pd.Series" in model
    assert "return age_normalized + income_scaled" in model

    features = "\n".join(result["features_after_rename"])
    assert "def reach(email: pd.Series) -> pd.Series:" in features
    assert "def age_normalized(age: pd.Series, reach: pd.Series)" in features
    assert "contact" not in features

    assert [(Path(e["file"]).name, e["text"]) for e in result["incoming"]] == [
        ("model.py", "score")
    ]

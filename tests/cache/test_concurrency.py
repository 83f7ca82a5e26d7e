"""Several writers and readers on one cache folder at once (two servers, a server and `livedag
lint`): nobody ever reads half an entry or a wrong graph, nobody crashes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from livedag.server.analysis_cache import AnalysisCache, Entry
from livedag.server.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]

# One index after another, each printing a digest of every graph and problem; the folder is
# kept so small (LIVEDAG_CACHE_MAX_MB) that every index evicts what the others just wrote.
CHILD = """
import hashlib, json, sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from livedag.server.workspace import Workspace
from tests.cache.compare import everything

for _ in range({rounds}):
    workspace = Workspace([Path({root!r})])
    workspace.index()
    found = everything(workspace.snapshot)
    print(hashlib.sha256(repr(found).encode()).hexdigest(), flush=True)
"""


def _digest(root: Path) -> str:
    from .compare import everything

    workspace = Workspace([root], cache=False)
    workspace.index()
    return hashlib.sha256(repr(everything(workspace.snapshot)).encode()).hexdigest()


@pytest.mark.slow
def test_processes_writing_and_evicting_at_once(tmp_path: Path, cache: AnalysisCache) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_workspace import generate

    root = tmp_path / "ws"
    root.mkdir()
    generate(root, 8, 30)
    expected = _digest(root)
    folder = tmp_path / "shared-cache"
    env = {**os.environ, "LIVEDAG_CACHE_DIR": str(folder), "LIVEDAG_CACHE_MAX_MB": "0.05"}
    env.pop("LIVEDAG_NO_CACHE", None)
    script = CHILD.format(repo=str(REPO), root=str(root), rounds=4)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err
        assert out.split() == [expected] * 4, err
    assert not list(folder.glob("*.ldtmp"))  # every write finished or cleaned up after itself


def test_threads_hammering_the_same_keys(tmp_path: Path) -> None:
    """Writers replace entries while readers load them: a load gives a whole entry or none."""
    root = tmp_path / "project"
    root.mkdir()
    texts = [f"def f{i}(x: int) -> int:\n    return x + {i}\n" * (i + 1) for i in range(4)]
    cache = AnalysisCache(tmp_path / "cache", max_bytes=10**9)
    workspaces = []
    for text in texts:  # entries of one module, under one key per text
        (root / "m.py").write_text(text)
        workspace = Workspace([root], cache=False)
        workspace.index()
        workspaces.append(workspace)
    entries = []
    for workspace, text in zip(workspaces, texts, strict=True):
        analysis = workspace.snapshot.module(root / "m.py")
        assert analysis is not None and analysis.path is not None
        key_hash = cache.key(analysis.module, analysis.path, text)[1]
        entries.append(Entry(analysis.module, analysis.path, key_hash, (), analysis))
    failures: list[BaseException] = []
    stop = threading.Event()

    def write(n: int) -> None:
        try:
            for i in range(150):
                assert cache.store(entries[(n + i) % len(entries)])
        except BaseException as exc:
            failures.append(exc)

    def read() -> None:
        try:
            while not stop.is_set():
                for entry, text in zip(entries, texts, strict=True):
                    got = cache.load(entry.module, entry.path, text)
                    if got is not None:
                        assert got.analysis == entry.analysis
                        assert got.analysis.text == text
        except BaseException as exc:
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in [*readers, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert not failures, failures
    assert len(list(cache.folder.glob("*.ldac"))) == len(entries)
    assert not list(cache.folder.glob("*.ldtmp"))
    assert cache.info()["entries"] == len(entries)

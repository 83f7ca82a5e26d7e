"""The analysis cache (server/analysis_cache.py) is off for the test suite: a test that patches
the analyzer must not read what another test analysed, and tests never touch the user's cache.
Its own tests (tests/cache/) turn it on, each with a folder of its own; the folder below is
where anything that still finds it on (a child process told so) writes."""

from __future__ import annotations

import os
import shutil
import tempfile

_folder = tempfile.mkdtemp(prefix="livedag-test-cache-")
os.environ["LIVEDAG_CACHE_DIR"] = _folder
os.environ["LIVEDAG_NO_CACHE"] = "1"


def pytest_unconfigure() -> None:
    shutil.rmtree(_folder, ignore_errors=True)

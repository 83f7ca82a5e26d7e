"""Every test run gets its own analysis cache folder (server/analysis_cache.py): tests never read
or write the user's cache, and everything a run indexes twice (the same fixture in two tests, a
server started again) goes through the cache the second time, as a user's restart does."""

from __future__ import annotations

import os
import shutil
import tempfile

_folder = tempfile.mkdtemp(prefix="livedag-test-cache-")
os.environ["LIVEDAG_CACHE_DIR"] = _folder
os.environ.pop("LIVEDAG_NO_CACHE", None)


def pytest_unconfigure() -> None:
    shutil.rmtree(_folder, ignore_errors=True)

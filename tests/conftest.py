"""Make tests/ importable as a root so suites can share helpers such as `oracle`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

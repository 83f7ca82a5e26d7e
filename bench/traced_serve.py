"""`livedag serve` under tracemalloc, for `soak.py --lsp --tracemalloc A,B` (bench only).

    python bench/traced_serve.py SNAPSHOT_PREFIX [serve args...]

Starts tracemalloc (12 frames), then runs the language server.  Each SIGUSR1 runs a full
collection and writes the next snapshot to SNAPSHOT_PREFIX.N (N = 0, 1, ...), then writes
SNAPSHOT_PREFIX.N.done so the client knows it is complete.  The server itself is unchanged.
"""

from __future__ import annotations

import gc
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType


def main() -> int:
    prefix = sys.argv[1]
    taken = 0

    def dump(_signum: int, _frame: FrameType | None) -> None:
        nonlocal taken
        was_frozen = gc.get_freeze_count()
        gc.unfreeze()
        gc.collect()
        tracemalloc.take_snapshot().dump(f"{prefix}.{taken}")
        if was_frozen:
            gc.freeze()
        Path(f"{prefix}.{taken}.done").touch()
        taken += 1

    tracemalloc.start(12)
    signal.signal(signal.SIGUSR1, dump)
    from livedag.server.lsp.server import main as serve

    return serve(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

"""Where the cache lives on disk: results by data version, metadata by cache key.

The metadata store answers "which data version did this cache key produce?" (SQLite, one file);
the result store holds each data version's value once (a pickle per version), however many
cache keys lead to it.  Both sit under the `path` given to `Builder.with_cache()`.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class ResultRetrievalError(Exception):
    """A stored result exists but cannot be read back (the node is then recomputed)."""


class FileResultStore:
    """One pickle file per data version under `path`."""

    def __init__(self, path: str | Path, create_dir: bool = True) -> None:
        self.path = Path(path)
        if create_dir:
            self.path.mkdir(parents=True, exist_ok=True)

    def _file(self, data_version: str) -> Path:
        return self.path / data_version

    def exists(self, data_version: str) -> bool:
        return self._file(data_version).exists()

    def set(self, data_version: str, result: Any, **future_kwargs: Any) -> None:
        """Store `result` (written to a temporary file first, so a crash leaves no half file)."""
        target = self._file(data_version)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(target)

    def get(self, data_version: str) -> Any:
        try:
            return pickle.loads(self._file(data_version).read_bytes())
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a stale or foreign file: recompute instead
            raise ResultRetrievalError(
                f"cannot read the cached result {data_version} ({exc}); it will be recomputed"
            ) from exc

    def delete(self, data_version: str) -> None:
        self._file(data_version).unlink(missing_ok=True)

    def delete_all(self) -> None:
        for stored in self.path.iterdir():
            if stored.is_file() and stored.name != SQLiteMetadataStore.FILE_NAME:
                stored.unlink()


class SQLiteMetadataStore:
    """Cache key -> data version, and which runs produced what, in `path`/metadata_store.db."""

    FILE_NAME = "metadata_store.db"

    def __init__(self, path: str | Path) -> None:
        self._directory = Path(path).resolve()
        self._directory.mkdir(parents=True, exist_ok=True)
        self._path = self._directory / self.FILE_NAME
        self._local = threading.local()
        with self.connection as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS cache_metadata ("
                " cache_key TEXT PRIMARY KEY, data_version TEXT NOT NULL,"
                " node_name TEXT NOT NULL, code_version TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS run_ids ("
                " run_id TEXT PRIMARY KEY, started TEXT NOT NULL)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS history ("
                " run_id TEXT NOT NULL, node_name TEXT NOT NULL, cache_key TEXT NOT NULL,"
                " data_version TEXT NOT NULL, code_version TEXT NOT NULL)"
            )

    @property
    def connection(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections are not shared across threads)."""
        held = getattr(self._local, "connection", None)
        if held is None:
            held = sqlite3.connect(str(self._path))
            self._local.connection = held
        return held

    def initialize(self, run_id: str) -> None:
        with self.connection as db:
            db.execute(
                "INSERT OR IGNORE INTO run_ids (run_id, started) VALUES (?, ?)",
                (run_id, datetime.now(timezone.utc).isoformat()),
            )

    def __len__(self) -> int:
        return int(self.connection.execute("SELECT COUNT(*) FROM cache_metadata").fetchone()[0])

    def set(
        self,
        *,
        cache_key: str,
        data_version: str,
        run_id: str,
        node_name: str,
        code_version: str,
        **future_kwargs: Any,
    ) -> None:
        with self.connection as db:
            db.execute(
                "INSERT OR REPLACE INTO cache_metadata VALUES (?, ?, ?, ?)",
                (cache_key, data_version, node_name, code_version),
            )
            db.execute(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?)",
                (run_id, node_name, cache_key, data_version, code_version),
            )

    def get(self, cache_key: str) -> str | None:
        row = self.connection.execute(
            "SELECT data_version FROM cache_metadata WHERE cache_key = ?", (cache_key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def exists(self, cache_key: str) -> bool:
        return self.get(cache_key) is not None

    def delete(self, cache_key: str) -> None:
        with self.connection as db:
            db.execute("DELETE FROM cache_metadata WHERE cache_key = ?", (cache_key,))

    def delete_all(self) -> None:
        with self.connection as db:
            for table in ("cache_metadata", "run_ids", "history"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def get_run_ids(self) -> list[str]:
        rows = self.connection.execute("SELECT run_id FROM run_ids ORDER BY started").fetchall()
        return [str(r[0]) for r in rows]

    def get_run(self, run_id: str) -> list[dict[str, str]]:
        """What one run stored: a row per node it computed."""
        if run_id not in self.get_run_ids():
            raise IndexError(f"run_id {run_id!r} is not in the metadata store")
        rows = self.connection.execute(
            "SELECT node_name, cache_key, data_version, code_version FROM history WHERE run_id = ?",
            (run_id,),
        ).fetchall()
        return [
            {"node_name": n, "cache_key": k, "data_version": d, "code_version": c}
            for n, k, d, c in rows
        ]

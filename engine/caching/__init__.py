"""Hamilton's result cache for livedag's driver (`Builder().with_cache(...)`, then `dr.cache`).

`adapter` decides per node whether to retrieve or run; `fingerprint` makes the code and data
versions a cache key is built from; `stores` keeps keys and results on disk.
"""

from __future__ import annotations

from .adapter import (
    CachingBehavior,
    CachingEvent,
    CachingEventType,
    ResultCache,
    cache_key,
)
from .stores import FileResultStore, ResultRetrievalError, SQLiteMetadataStore

# Hamilton's name for the adapter, so code reading `dr.cache` type-checks the same way.
HamiltonCacheAdapter = ResultCache

__all__ = [
    "CachingBehavior",
    "CachingEvent",
    "CachingEventType",
    "FileResultStore",
    "HamiltonCacheAdapter",
    "ResultCache",
    "ResultRetrievalError",
    "SQLiteMetadataStore",
    "cache_key",
]

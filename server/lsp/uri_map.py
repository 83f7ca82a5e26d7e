"""Which URI the client knows each file by, and which file each URI names.

The workspace model keys files by their real path (symbolic links resolved); the client names
them by the URI it opened them with, which may go through a link or differ in spelling.  Answers
go back to the client under its own URI, so the mapping is remembered both ways, and every
request's URI is answered without a file-system call once it has been seen.
"""

from __future__ import annotations

import os
from pathlib import Path

from .convert import path_to_uri, uri_to_path


class UriMap:
    """The client's URIs and the workspace's paths, each way."""

    def __init__(self) -> None:
        self._uris: dict[str, str] = {}  # path string -> the uri the client uses for it
        self._derived_uris: dict[str, str] = {}  # uri_of answers not in _uris (no realpath twice)
        self._paths: dict[str, Path] = {}  # path_of answers (forgotten on disk events)
        self.generation = 0  # bumped whenever uri_of may answer differently

    def path_of(self, uri: str) -> Path | None:
        """The file behind `uri` (symlinks resolved, as the workspace model keys files); from now
        on `uri_of` that file answers `uri`.  None when `uri` names no local file."""
        known = self._paths.get(uri)
        if known is not None and self._uris.get(str(known)) == uri:
            return known  # every request names its document: no file-system calls for it
        path = uri_to_path(uri)
        if path is None:
            return None
        key = str(path)
        resolved = os.path.realpath(path)
        if self._uris.get(key) != uri or self._uris.get(resolved) != uri:
            self._uris[key] = uri
            self._uris[resolved] = uri
            self._derived_uris.clear()
            self.generation += 1
        self._paths[uri] = Path(resolved)
        return self._paths[uri]

    def uri_of(self, path: str | Path) -> str:
        """The URI the client knows a file by (the one it opened it with, when it did)."""
        key = str(path)
        known = self._uris.get(key) or self._derived_uris.get(key)
        if known is None:
            known = self._uris.get(os.path.realpath(key)) or path_to_uri(key)
            self._derived_uris[key] = known
        return known

    def links_may_have_changed(self) -> None:
        """A file changed on disk: a symbolic link may point elsewhere now."""
        self._paths.clear()

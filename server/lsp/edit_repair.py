"""Document notifications that break the protocol's types, applied as far as they can be.

A `didChange` the protocol's types refuse (a `version` that is null or beyond 32 bits, a position
that is negative or beyond 2**31) would be dropped whole, and the server's copy of the document
would then differ from the editor's without a word.  The edit itself is usually clear, so it is
repaired and applied, with a warning in the log: an unusable version is counted on from the last
one, a position is clamped into range (and then into the document, as the open-text store does for
any position past a line's end).  What cannot be repaired (no text, a range that is not one) is
reported, so the user knows the server's view may be stale.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from .jsonrpc import shown

INTEGER_MAX = 2**31 - 1
UINTEGER_MAX = 2**31 - 1
REPAIRABLE = (types.TEXT_DOCUMENT_DID_OPEN, types.TEXT_DOCUMENT_DID_CHANGE)


@dataclass
class Repaired:
    """Params made to fit the protocol's types, and what was changed (for the log)."""

    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)


class Unrepairable(Exception):
    """The notification cannot be applied: what is wrong, for the log and the user."""


def repair(method: str, params: Any, last_version: int | None) -> Repaired:
    """`params` of a `didOpen` or `didChange` that failed the protocol's types, repaired."""
    if not isinstance(params, dict):
        raise Unrepairable(f"its params are {shown(params)}, not an object")
    repaired = Repaired(copy.deepcopy(params))
    document = repaired.params.get("textDocument")
    if not isinstance(document, dict) or not isinstance(document.get("uri"), str):
        raise Unrepairable("it does not say which document (textDocument.uri)")
    version = document.get("version")
    if not _is_integer(version, -(2**31), INTEGER_MAX):
        counted = 1
        if last_version is not None and _is_integer(last_version, -(2**31), INTEGER_MAX - 1):
            counted = last_version + 1
        document["version"] = counted
        repaired.notes.append(f"version {shown(version)} is not a 32-bit integer: used {counted}")
    if method == types.TEXT_DOCUMENT_DID_OPEN:
        if not isinstance(document.get("text"), str):
            raise Unrepairable(f"its text is {shown(document.get('text'))}, not a string")
        if not isinstance(document.get("languageId"), str):
            document["languageId"] = "python"
            repaired.notes.append("languageId is not a string: taken as python")
        return repaired
    changes = repaired.params.get("contentChanges")
    if not isinstance(changes, list):
        raise Unrepairable(f"contentChanges is {shown(changes)}, not an array")
    for index, change in enumerate(changes):
        _repair_change(change, f"contentChanges[{index}]", repaired.notes)
    return repaired


def _repair_change(change: Any, where: str, notes: list[str]) -> None:
    if not isinstance(change, dict) or not isinstance(change.get("text"), str):
        raise Unrepairable(f"{where} has no text to insert")
    if "rangeLength" in change and not _is_integer(change["rangeLength"], 0, UINTEGER_MAX):
        del change["rangeLength"]  # deprecated, and never needed to apply the change
        notes.append(f"{where}.rangeLength dropped")
    if "range" not in change:
        return  # the whole document
    edit_range = change["range"]
    if not isinstance(edit_range, dict):
        raise Unrepairable(f"{where}.range is {shown(edit_range)}, not a range")
    for end in ("start", "end"):
        position = edit_range.get(end)
        if not isinstance(position, dict):
            raise Unrepairable(f"{where}.range.{end} is {shown(position)}, not a position")
        for key in ("line", "character"):
            value = position.get(key)
            if _is_integer(value, 0, UINTEGER_MAX):
                continue
            what = f"{where}.range.{end}.{key}"
            number = int(value) if isinstance(value, float) and value.is_integer() else value
            if not isinstance(number, int) or isinstance(number, bool):
                raise Unrepairable(f"{what} is {shown(value)}, not a line or column number")
            position[key] = min(max(number, 0), UINTEGER_MAX)
            done = "taken as" if position[key] == number else "clamped to"
            notes.append(f"{what} {value} {done} {position[key]}")


def _is_integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

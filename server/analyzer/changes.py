"""What an edit changed: the lines before and after it that stayed, found with C-speed string
comparisons, and (for changes far apart) the text with only the first change made.

`ModuleSource` re-splits only the changed lines and re-parses only the blocks they touch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .blocks import Block, split_lines


def first_change_only(
    old_text: str, new_text: str, following: Sequence[Block], start: int
) -> str | None:
    """`old_text` with only its first change made: the new text up to the first unchanged
    block after that change, the old text from there on.  None when no such block is found.

    Any text is a correct intermediate step (the next update brings the analysis to the new
    text), so a wrong match costs time, never correctness.
    """
    for block in following[:3]:
        needle = block.text
        if len(needle) < 32 or block.syntax_error is not None:
            continue
        at_old = old_text.find(needle, start)
        at_new = new_text.find(needle, start)
        if at_old < 0 or at_new < 0:
            continue
        if (at_old and old_text[at_old - 1] != "\n") or (at_new and new_text[at_new - 1] != "\n"):
            continue
        between = new_text[:at_new] + old_text[at_old:]
        if between != old_text and between != new_text:
            return between
    return None


def changed_lines(
    old_text: str, new_text: str, old_lines: list[str]
) -> tuple[int, int, list[str], int]:
    """How many lines at the start and at the end an edit left alone, the new text's lines, and
    where the first changed line starts (the same offset in both texts).

    Only the lines between those are split again; the others are the old line strings.  Line
    counts are taken with C-speed `str.count` over the shorter side of each boundary.
    """
    old_len, new_len = len(old_text), len(new_text)
    head = _common_prefix(old_text, new_text)
    tail = min(_common_suffix(old_text, new_text), old_len - head, new_len - head)
    ends_with_newline = old_text.endswith("\n")
    # Every old line ends with a line feed, except a last one that does not.
    newlines = len(old_lines) if ends_with_newline or not old_lines else len(old_lines) - 1
    if head <= old_len // 2:
        prefix = old_text.count("\n", 0, head)
    else:
        prefix = newlines - old_text.count("\n", head, old_len)
    # Lines starting inside the common tail (the text's last character not counted).
    before_last = newlines - (1 if ends_with_newline else 0)
    if tail <= old_len // 2:
        suffix = old_text.count("\n", old_len - tail, max(old_len - 1, 0))
    else:
        suffix = before_last - old_text.count("\n", 0, old_len - tail)
    suffix = max(min(suffix, len(old_lines) - prefix), 0)
    start = new_text.rfind("\n", 0, head) + 1  # where line `prefix` starts, in both texts
    if suffix:
        end = old_text.find("\n", old_len - tail, max(old_len - 1, 0)) + 1 + new_len - old_len
    else:
        end = new_len
    middle = split_lines(new_text[start:end])
    lines = [*old_lines[:prefix], *middle, *old_lines[len(old_lines) - suffix :]]
    return prefix, suffix, lines, start


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix."""
    return _agreeing(min(len(a), len(b)), lambda lo, hi: a[lo:hi] == b[lo:hi])


def _common_suffix(a: str, b: str) -> int:
    """Length of the common suffix."""
    la, lb = len(a), len(b)
    return _agreeing(min(la, lb), lambda lo, hi: a[la - hi : la - lo] == b[lb - hi : lb - lo])


def _agreeing(n: int, same: Callable[[int, int], bool]) -> int:
    """How far (at most `n`) two texts agree, where `same(lo, hi)` compares their characters
    lo..hi counted from the end the search starts at: C-speed slice comparisons over growing
    spans, then halving inside the first span that differs."""
    lo, step = 0, 4096
    while lo < n:
        hi = min(lo + step, n)
        if not same(lo, hi):
            while hi - lo > 1:  # the first difference is in [lo, hi)
                mid = (lo + hi) // 2
                if same(lo, mid):
                    lo = mid
                else:
                    hi = mid
            return lo
        lo, step = hi, step * 2
    return n

"""Where in the code a position is, read from Python's tokens: a parameter list, or a string that
names a node (a driver's `execute([...])`, `inputs={...}` keys, a lineage call, `source("...")`).

Completion runs on text that is being typed and often does not parse, so it cannot use the
analysis (a half-written `def` is a syntax error, out of the graph).  Python's own tokenizer reads
such text fine: this module tokenizes the top-level statement around the cursor (never the whole
file) and keeps a stack of open brackets, each with the call it belongs to and the keyword being
passed.  Rename uses the same reading to find the node-naming strings of driver scripts.
"""

from __future__ import annotations

import enum
import io
import keyword
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

from livedag.server.analyzer import document_lines

# A driver's calls whose first argument (or `final_vars=`) lists outputs by name.
EXECUTE_CALLS = frozenset(
    {"execute", "raw_execute", "validate_execution", "visualize_execution", "materialize"}
)
# Lineage calls of Hamilton's driver (and livedag's): every string argument is a node name.
LINEAGE_CALLS = frozenset(
    {
        "what_is_upstream_of",
        "what_is_downstream_of",
        "what_is_the_path_between",
        "get_upstream_nodes",
        "get_downstream_nodes",
        "upstream_of",
        "downstream_of",
        "paths_between",
    }
)
# @config.when and its variants: their keywords are config keys.
CONFIG_CALLS = frozenset({"when", "when_not", "when_in", "when_not_in"})
# Keywords of driver calls whose dict keys or list items are node names.
NODE_DICT_KEYWORDS = frozenset({"inputs", "overrides"})
NODE_LIST_KEYWORDS = frozenset({"final_vars"})


class Context(enum.Enum):
    PARAMETER = "parameter"  # a parameter name in a `def`'s parameter list
    NODE_STRING = "node string"  # a string that names an existing node
    INPUT_KEY = "input key"  # a key of a driver's inputs={...} / overrides={...}
    TAG_KEY = "tag key"  # a keyword name in @tag(...)
    TAG_VALUE = "tag value"  # a string value in @tag(key=...)
    CONFIG_KEY = "config key"  # a keyword name in @config.when(...) and its variants
    OUTPUT_KEY = "output key"  # a keyword name in @tag_outputs(...): a node the function makes


@dataclass
class _Frame:
    bracket: str
    callee: str | None
    function: str | None = None  # set for a def's parameter list: the function's name
    keyword: str | None = None  # the keyword argument being passed (for "(")
    index: int = 0  # positional index (for "(")
    is_key: bool = True  # for "{": a key is being written
    after_name: bool = False  # a parameter list: a name was written since the last comma


@dataclass(frozen=True)
class Found:
    """What the position is in: the context, the text typed so far, and its span on the line.

    `start`/`end` are code-point columns on the cursor's line of the word or string content to
    replace; `function` is the `def` whose parameter list it is; `keyword` the tag key.
    """

    context: Context
    prefix: str
    start: int
    end: int
    function: str | None = None
    keyword: str | None = None
    quote: str = ""


@dataclass(frozen=True)
class NamedString:
    """A string literal that names a node, with its content's span (1-based line, code points)."""

    value: str
    line: int
    start: int  # the content's first column (after the quote)
    end: int
    context: Context = field(default=Context.NODE_STRING)


def block_start(lines: list[str], line: int) -> int:
    """The 0-based line where the top-level statement holding 0-based `line` starts: the
    nearest line at or above it that starts at column 0 with code (not a closing bracket)."""
    for index in range(min(line, len(lines) - 1), -1, -1):
        text = lines[index]
        if text[:1] and not text[:1].isspace() and text[:1] not in "#)]}":
            return index
    return 0


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def _string_content(token: str) -> tuple[int, int, str] | None:
    """(offset of the content in the token, its length, the quote) for a plain string literal;
    None for f-strings, bytes and triple-quoted strings."""
    prefix_len = 0
    while prefix_len < len(token) and token[prefix_len] not in "'\"":
        prefix_len += 1
    prefix = token[:prefix_len].lower()
    if "f" in prefix or "b" in prefix:
        return None
    body = token[prefix_len:]
    if body[:3] in ('"""', "'''"):
        return None
    quote = body[:1]
    if not quote:
        return None
    closed = len(body) >= 2 and body.endswith(quote)
    return prefix_len + 1, len(body) - 1 - (1 if closed else 0), quote


class _Reader:
    """Walks tokens with a stack of open brackets (see the module docstring)."""

    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.previous: list[tokenize.TokenInfo] = []

    def step(self, tok: tokenize.TokenInfo) -> None:
        kind, text = tok.type, tok.string
        stack = self.stack
        if kind == tokenize.OP and text in "([{":
            callee = None
            function = None
            prev = self.previous[-1] if self.previous else None
            if (
                prev is not None
                and prev.type == tokenize.NAME
                and not keyword.iskeyword(prev.string)
            ):
                callee = prev.string
                before = self.previous[-2] if len(self.previous) > 1 else None
                if text == "(" and before is not None and before.string == "def" and not stack:
                    function = prev.string
            stack.append(_Frame(text, callee if text == "(" else None, function))
        elif kind == tokenize.OP and text in ")]}":
            if stack:
                stack.pop()
        elif kind == tokenize.OP and text == "," and stack:
            frame = stack[-1]
            frame.keyword = None
            frame.index += 1
            frame.is_key = True
            frame.after_name = False
        elif kind == tokenize.OP and text == "=" and stack and stack[-1].bracket == "(":
            prev = self.previous[-1] if self.previous else None
            if prev is not None and prev.type == tokenize.NAME:
                stack[-1].keyword = prev.string
        elif kind == tokenize.OP and text == ":" and stack and stack[-1].bracket == "{":
            stack[-1].is_key = False
        elif kind == tokenize.NAME and stack and stack[-1].function is not None:
            stack[-1].after_name = True
        elif kind == tokenize.NEWLINE:
            stack.clear()
        if kind not in (tokenize.NL, tokenize.COMMENT):
            self.previous.append(tok)
            if len(self.previous) > 3:
                del self.previous[0]

    def string_context(self) -> Context | None:
        """Whether a string at this point names a node, and how."""
        stack = self.stack
        if not stack:
            return None
        frame = stack[-1]
        parent = stack[-2] if len(stack) > 1 else None
        if frame.bracket == "(":
            if frame.callee == "source" or frame.callee in LINEAGE_CALLS:
                return Context.NODE_STRING
            if frame.callee == "tag" and frame.keyword is not None:
                return Context.TAG_VALUE
            if frame.callee in EXECUTE_CALLS and frame.keyword in NODE_LIST_KEYWORDS:
                return Context.NODE_STRING
            return None
        if parent is None or parent.bracket != "(":
            return None
        if frame.bracket in "[(" or (frame.bracket == "{" and frame.keyword is None):
            list_like = frame.bracket in "[(" or not frame.is_key
            if frame.bracket == "{":
                if parent.keyword in NODE_DICT_KEYWORDS and frame.is_key:
                    return Context.INPUT_KEY
                if not list_like:
                    return None
            if parent.callee in EXECUTE_CALLS and (
                parent.keyword in NODE_LIST_KEYWORDS
                or (parent.keyword is None and parent.index == 0)
            ):
                return Context.NODE_STRING
            if parent.callee in LINEAGE_CALLS:
                return Context.NODE_STRING
        return None

    def keyword(self) -> str | None:
        """The keyword argument being passed in the innermost call, if any."""
        return self.stack[-1].keyword if self.stack and self.stack[-1].bracket == "(" else None

    def name_context(self) -> tuple[Context, str | None] | None:
        """Whether a name written at this point is a parameter or a @tag key."""
        stack = self.stack
        if not stack:
            return None
        frame = stack[-1]
        if frame.function is not None and len(stack) == 1 and not frame.after_name:
            return Context.PARAMETER, frame.function
        if frame.bracket == "(" and frame.callee == "tag" and frame.keyword is None:
            return Context.TAG_KEY, None
        if frame.bracket == "(" and frame.callee in CONFIG_CALLS and frame.keyword is None:
            return Context.CONFIG_KEY, None
        if frame.bracket == "(" and frame.callee == "tag_outputs" and frame.keyword is None:
            return Context.OUTPUT_KEY, None
        return None


def at(text: str, line: int, column: int) -> Found | None:
    """What 0-based `line`, code-point `column` of `text` is in, or None."""
    lines = [text_line + "\n" for text_line in document_lines(text)]
    if line >= len(lines):
        lines.append("")
        if line >= len(lines):
            return None
    start = block_start([ln.rstrip("\r\n") for ln in lines], line)
    chunk = "".join(lines[start : line + 1])
    reader = _Reader()
    for tok in _tokens(chunk):
        tok_line = tok.start[0] - 1 + start
        if tok_line > line or (tok_line == line and tok.start[1] >= column):
            break
        end_line = tok.end[0] - 1 + start
        inside = end_line > line or (end_line == line and tok.end[1] >= column)
        if inside and tok.type == tokenize.STRING and tok_line == line:
            return _in_string(reader, tok, column)
        if inside and tok.type == tokenize.ERRORTOKEN and tok.string in "'\"":
            # An unterminated string: its content runs to the end of the line.
            rest = lines[line].rstrip("\r\n")
            prefix = rest[tok.end[1] : column]
            context = reader.string_context()
            if context is None:
                return None
            return Found(
                context, prefix, tok.end[1], len(rest), keyword=reader.keyword(), quote=tok.string
            )
        if inside and tok.type == tokenize.NAME and tok_line == line:
            found = reader.name_context()
            if found is None:
                return None
            context, function = found
            return Found(
                context, tok.string[: column - tok.start[1]], tok.start[1], tok.end[1], function
            )
        if tok.type == tokenize.ERRORTOKEN and tok.string in "'\"":
            # An unterminated string before the cursor, on the cursor's line.
            if tok_line == line:
                context = reader.string_context()
                rest = lines[line].rstrip("\r\n")
                if context is None:
                    return None
                return Found(
                    context,
                    rest[tok.end[1] : column],
                    tok.end[1],
                    len(rest),
                    keyword=reader.keyword(),
                    quote=tok.string,
                )
        reader.step(tok)
    found = reader.name_context()
    if found is None:
        return None
    context, function = found
    return Found(context, "", column, column, function)


def _in_string(reader: _Reader, tok: tokenize.TokenInfo, column: int) -> Found | None:
    content = _string_content(tok.string)
    if content is None:
        return None
    offset, length, quote = content
    first = tok.start[1] + offset
    if column < first:
        return None
    context = reader.string_context()
    if context is None:
        return None
    prefix = tok.string[offset : offset + (column - first)]
    return Found(context, prefix, first, first + length, keyword=reader.keyword(), quote=quote)


def named_strings(text: str) -> Iterator[NamedString]:
    """Every plain string literal of `text` that names a node (driver calls, lineage calls,
    `source(...)`), with its content's span: for renaming what driver scripts ask for."""
    reader = _Reader()
    for tok in _tokens(text):
        if tok.type == tokenize.STRING and tok.start[0] == tok.end[0]:
            context = reader.string_context()
            content = _string_content(tok.string) if context is not None else None
            if context is not None and content is not None and context is not Context.TAG_VALUE:
                offset, length, _ = content
                first = tok.start[1] + offset
                yield NamedString(
                    tok.string[offset : offset + length],
                    tok.start[0],
                    first,
                    first + length,
                    context,
                )
        reader.step(tok)

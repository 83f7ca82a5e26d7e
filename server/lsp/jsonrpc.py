"""JSON-RPC 2.0 as LSP 3.17 uses it: what a message must look like, and the error each fault gets.

pygls structures a message inside its JSON decoder and, when that fails, logs and answers nothing,
so a request with a wrong parameter type waits forever.  Here every message is checked in the
order the specifications give: the envelope (an object, `"jsonrpc": "2.0"`, an integer or string
`id`, a string `method`, `params` an object or an array) answers -32600 Invalid Request, the
parameters -32602 Invalid params; both with a message written for the person reading the client's
log, never Python's exception text.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any

import cattrs

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002

MsgId = int | str


class Kind(enum.Enum):
    REQUEST = "request"
    NOTIFICATION = "notification"
    RESPONSE = "response"


class Rejected(Exception):
    """A message that gets an error response: its code, a message for a person, and the id to
    answer (None when the message had no usable id, as JSON-RPC asks)."""

    def __init__(self, code: int, message: str, msg_id: MsgId | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.msg_id = msg_id


@dataclass(frozen=True)
class Envelope:
    """What a valid message is; `problem` is set for a response that is malformed (a response
    is never answered, so it is not `Rejected`)."""

    kind: Kind
    msg_id: MsgId | None = None
    method: str = ""
    problem: str | None = None


def is_id(value: Any) -> bool:
    """An LSP message id: an integer or a string (JSON's true and false are not integers)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def envelope(message: Any) -> Envelope:
    """Classify one message (not a batch), or raise `Rejected` with the reason."""
    if not isinstance(message, dict):
        raise Rejected(INVALID_REQUEST, f"a message must be a JSON object, not {shown(message)}")
    has_id = "id" in message
    msg_id = message.get("id")
    reply_id = msg_id if is_id(msg_id) else None
    if "method" not in message:
        if not has_id:
            raise Rejected(
                INVALID_REQUEST,
                'the message has neither a "method" (a request or notification) '
                'nor an "id" (a response)',
            )
        return Envelope(Kind.RESPONSE, reply_id, problem=_response_problem(message))
    if message.get("jsonrpc") != "2.0":
        got = shown(message["jsonrpc"]) if "jsonrpc" in message else "nothing"
        raise Rejected(INVALID_REQUEST, f'"jsonrpc" must be "2.0", not {got}', reply_id)
    if has_id and reply_id is None:
        raise Rejected(INVALID_REQUEST, f'"id" must be an integer or a string, not {shown(msg_id)}')
    method = message["method"]
    if not isinstance(method, str):
        raise Rejected(INVALID_REQUEST, f'"method" must be a string, not {shown(method)}', reply_id)
    params = message.get("params")
    if params is not None and not isinstance(params, (dict, list)):
        wanted = '"params" must be an object or an array'
        raise Rejected(INVALID_REQUEST, f"{wanted}, not {shown(params)}", reply_id)
    return Envelope(Kind.REQUEST if has_id else Kind.NOTIFICATION, reply_id, method)


def _response_problem(message: dict[str, Any]) -> str | None:
    if message.get("jsonrpc") != "2.0":
        return '"jsonrpc" is not "2.0"'
    if not is_id(message["id"]):
        return f'"id" must be an integer or a string, not {shown(message["id"])}'
    if ("result" in message) == ("error" in message):
        return 'a response must have exactly one of "result" and "error"'
    error = message.get("error")
    if "error" in message and not (
        isinstance(error, dict)
        and isinstance(error.get("code"), int)
        and not isinstance(error.get("code"), bool)
        and isinstance(error.get("message"), str)
    ):
        return '"error" must be an object with an integer "code" and a string "message"'
    return None


def error_json(msg_id: MsgId | None, code: int, message: str) -> str:
    """An error response as JSON text."""
    error = {"code": code, "message": message}
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "error": error})


def shown(value: Any) -> str:
    """A JSON value as a person would name it in a message: `the number 1`, `an object`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = json.dumps(value)
        return f"the number {text if len(text) <= 24 else text[:20] + '...'}"
    if isinstance(value, str):
        text = json.dumps(value)
        return f"the string {text if len(text) <= 42 else text[:38] + '...'}"
    if isinstance(value, list):
        return "an array"
    return "an object"


# --- parameters ----------------------------------------------------------------------------


def uri_problem(params: Any) -> str | None:
    """What makes a URI in `params` name no document at all, with where it is; None if none.

    A NUL character or half of a UTF-16 surrogate pair can be in a JSON string but in no file's
    name; passed on they fail deep inside path handling with Python's words.  Document text
    (`text`, `contentChanges`) is not looked at: it may hold anything.
    """
    stack: list[tuple[str, Any]] = [("params", params)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("text", "contentChanges"):
                    continue
                if isinstance(item, str):
                    if key == "uri" or key.endswith("Uri"):
                        problem = _bad_uri(item)
                        if problem is not None:
                            return f"{where}.{key} {problem}"
                elif isinstance(item, (dict, list)):
                    stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None


def _bad_uri(uri: str) -> str | None:
    if "\x00" in uri:
        return "contains a NUL character, which no document name can"
    try:
        uri.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (it holds half of a UTF-16 surrogate pair)"
    if uri[:5].lower() == "file:" and "%00" in uri:
        return "names no file: it has an encoded NUL character (%00)"
    return None


_EXPECTED = re.compile(r"invalid value for type, expected (\w+)")
_FRIENDLY_TYPES = {"int": "an integer", "str": "a string", "bool": "true or false"}


def params_problem(exc: Exception) -> str:
    """Why the protocol's types refused a message's params, where and what, for a person."""
    if not isinstance(exc, cattrs.BaseValidationError):
        return "they do not have the shape the Language Server Protocol gives this method"
    found = cattrs.transform_error(exc, path="$", format_exception=_format_leaf)
    described = []
    for line in found[:4]:
        what, _, where = line.rpartition(" @ ")
        path = ".".join(_camel(part) for part in where.split(".")[1:]) or "the message"
        what = _EXPECTED.sub(lambda m: f"expected {_friendly(m.group(1))}", what)
        described.append(f"{path}: {what}")
    if len(found) > 4:
        described.append(f"and {len(found) - 4} more")
    return "; ".join(described)


def _format_leaf(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, ValueError) and (
        "should be in range" in str(exc) or str(exc).startswith("expected ")
    ):
        return str(exc)  # lsprotocol's own words ("Position.line should be in range [0:...]"),
        # or the strict converter's ("expected an integer")
    return cattrs.v.format_exception(exc, type_)


def _friendly(name: str) -> str:
    return _FRIENDLY_TYPES.get(name, f"an object ({name})" if name[:1].isupper() else name)


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)

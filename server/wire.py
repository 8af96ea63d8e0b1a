"""JSON-RPC lines as the stdio transport reads and writes them, so that every request is answered:
a line that is not a valid message gets a JSON-RPC error (with the request's id when it can be
read), and an answer that cannot be encoded is replaced by an error answer."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from pydantic import ValidationError

log = logging.getLogger("tract.server")

DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 201  # levels of objects and arrays the SDK's JSON parser reads (jiter's limit)
HEAD = 4096  # bytes of a line searched for its id
REQUEST_LIMIT_HINT = "--max-request-bytes or TRACT_MCP_MAX_REQUEST_BYTES"
_ID = re.compile(rb'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,255}")(?=\s*[,}])')  # whole, not cut short


@dataclass
class Oversized:
    """A line longer than the request limit: its first bytes and its length."""

    head: bytes
    size: int
    limit: int


def parse_line(line: str) -> tuple[types.JSONRPCMessage | None, types.JSONRPCError | None]:
    """A message for the server, or else the error to answer (None for a bad notification or a
    blank line, which get no answer)."""
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as err:
        if not line.strip():
            return None, None
        return None, diagnose(line, err)
    if isinstance(message, types.JSONRPCNotification) and '"id"' in line and "id" in json.loads(line):
        # a request whose id is not a string or number reads as a notification, which nobody answers
        return None, answer(None, types.INVALID_REQUEST, "a request's id is a string or a number")
    return message, None


def diagnose(line: str, err: ValidationError) -> types.JSONRPCError | None:
    """Why the SDK could not read `line`, as a JSON-RPC error. Python's parser reads what the SDK's
    refuses (deep nesting, lone surrogates), which is how the request's id is found."""
    try:
        data = json.loads(line)
    except RecursionError:
        return answer(id_in(line), types.PARSE_ERROR, "the message nests too deeply to be read; send "
                                                      "flatter data")
    except ValueError as bad:
        return answer(id_in(line), types.PARSE_ERROR, f"not JSON: {bad}")
    if not isinstance(data, dict):
        return answer(None, types.INVALID_REQUEST, "a JSON-RPC message is a JSON object (batches are not "
                                                   "supported)")
    id = readable_id(data.get("id"))
    if "method" not in data and "id" in data and ("result" in data or "error" in data):
        log.warning("unreadable JSON-RPC answer from the client dropped: %s", err.errors()[0]["msg"])
        return None  # an answer the client sent: there is no one to answer
    if "method" in data and "id" not in data:
        log.warning("unreadable notification dropped: %s", err.errors()[0]["msg"])
        return None  # a notification is never answered
    levels = depth(data)
    if levels > MAX_DEPTH:
        return answer(id, types.INVALID_PARAMS, f"the message nests {levels} levels deep, more than the "
                                                "server's JSON parser reads; send flatter data")
    surrogate = lone_surrogate(data)
    if surrogate is not None:
        return answer(id, types.INVALID_PARAMS, f"the request holds a lone surrogate ({surrogate!r}), which "
                                                "is not valid Unicode text; send each character whole")
    first = err.errors()[0]
    where = ".".join(map(str, first["loc"][1:])) or "message"  # loc[0] is the union member tried
    return answer(id, types.INVALID_REQUEST, f"not a valid JSON-RPC request ({where}: {first['msg']})")


def readable_id(id: Any) -> int | str | None:
    """`id` if it can be sent back (an int, or a string with a UTF-8 form), else None."""
    if isinstance(id, bool) or not isinstance(id, (int, str)):
        return None
    return None if isinstance(id, str) and lone_surrogate(id) is not None else id


def id_in(text: str | bytes) -> int | str | None:
    """The id of a request that cannot be parsed, when it comes before its params (as clients write
    it); an "id" inside the arguments is not taken for it."""
    head = (text[:HEAD] if isinstance(text, bytes) else text[:HEAD].encode("utf-8", "replace"))
    found = _ID.search(head)
    params = head.find(b'"params"')
    if found is None or (0 <= params < found.start()):
        return None
    try:
        return readable_id(json.loads(found.group(1)))
    except ValueError:
        return None


def refuse_oversized(line: Oversized) -> types.JSONRPCError:
    return answer(id_in(line.head), types.INVALID_REQUEST,
                  f"the request is {line.size:,} bytes, over the server's limit of {line.limit:,} "
                  f"({REQUEST_LIMIT_HINT}); send large content in smaller commits")


def answer(id: int | str | None, code: int, message: str) -> types.JSONRPCError:
    return types.JSONRPCError(jsonrpc="2.0", id=id, error=types.ErrorData(code=code, message=message))


def encode(message: types.JSONRPCMessage) -> str:
    """One line of JSON. An answer that cannot be encoded (text with a lone surrogate) is replaced by
    an error answer to the same request, so the client is never left waiting."""
    try:
        return message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
    except ValueError as err:  # PydanticSerializationError is a ValueError
        id = readable_id(getattr(message, "id", None))
        log.warning("an answer could not be encoded: %s", err)
        if id is None:
            return ""
        fallback = answer(id, types.INTERNAL_ERROR, "the answer holds text that is not valid Unicode (a lone "
                                                     "surrogate) and cannot be sent")
        return fallback.model_dump_json(by_alias=True, exclude_unset=True) + "\n"


def depth(value: Any) -> int:
    """How deeply `value` nests (iteratively: the value may be deeper than Python's stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v)
    return deepest


def lone_surrogate(value: Any) -> str | None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as err:
                return v[err.start:err.end]
    return None

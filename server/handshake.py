"""Answering `initialize` on stdio before the MCP SDK has loaded.

Importing the SDK (its two protocol revisions' pydantic types, its client, Starlette) and building
the server take most of tract-mcp's start-up, yet the reply to `initialize` depends on none of it:
the negotiated version, the capabilities, serverInfo and instructions are fixed. So on stdio the
server imports and builds on a thread while the main thread reads the first line; when that line
is an `initialize` this module can answer exactly as the SDK would (tests compare the two byte for
byte, for every protocol version the SDK supports and for unknown ones), it answers at once. The
line then goes to the SDK like any other, so the SDK's session goes through the same handshake, and
its own reply, identical, is dropped (`server.stdio`).

Anything this module is not sure of (an id, a capability or a field it does not know, a `_meta`,
duplicate keys) gets no early answer: the SDK answers it when it has loaded, as before.

Only the standard library is imported here: this runs before everything else.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from typing import Any

NAME = "tract"
VERSION = "0.1.0"
INSTRUCTIONS = (
    "tract keeps your context window under version control. Commit each turn you want to keep "
    "(commit), explore on branches (branch, switch, merge), find old turns (log, search), build the "
    "exact messages to send (compile), and compress old history into summaries (compress, approve).")

# as the SDK's mcp_types.version (tests/server/test_handshake.py checks both stay equal)
HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
LATEST_HANDSHAKE_VERSION = HANDSHAKE_VERSIONS[-1]
# what the SDK derives from the handlers `server.app.build_server` registers, for any toolset
CAPABILITIES = {"prompts": {"listChanged": False}, "resources": {"listChanged": False, "subscribe": False},
                "tools": {"listChanged": False}}

FIRST_LINE_LIMIT = 64 << 10  # a longer first line is left to the SDK
_PARAMS = {"protocolVersion", "capabilities", "clientInfo"}
_CLIENT_INFO = {"name", "version", "title", "description", "websiteUrl"}
_CAPABILITIES = {"experimental", "sampling", "elicitation", "roots", "extensions", "tasks"}
_MAX_ID = 1 << 53


@dataclass(frozen=True)
class Early:
    """The reply sent to the `initialize` request `id`, before the SDK had loaded."""

    id: int | str
    reply: bytes


def is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def read_first_line(fd: int, limit: int = FIRST_LINE_LIMIT) -> bytes:
    """Bytes read from `fd` until a newline, `limit` bytes or the end: the first line and whatever
    came with it (which the transport reads first, before the pipe)."""
    data = b""
    while b"\n" not in data and len(data) < limit:
        chunk = os.read(fd, limit)
        if not chunk:
            break
        data += chunk
    return data


def answer(head: bytes) -> Early | None:
    """The SDK's reply to the first line of `head` if it is an `initialize` this module is sure of."""
    line, newline, _ = head.partition(b"\n")
    if not newline:
        return None
    try:
        message = json.loads(line.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_refuse)
        json.dumps(message, ensure_ascii=False).encode("utf-8")  # no lone surrogate (the SDK refuses them)
    except (ValueError, RecursionError):  # UnicodeError is a ValueError
        return None
    if not (isinstance(message, dict) and set(message) == {"jsonrpc", "id", "method", "params"}
            and message["jsonrpc"] == "2.0" and message["method"] == "initialize"):
        return None
    id, params = message["id"], message["params"]
    if not (_plain_id(id) and isinstance(params, dict) and set(params) == _PARAMS
            and isinstance(params["protocolVersion"], str) and _client_info(params["clientInfo"])
            and _capabilities(params["capabilities"])):
        return None
    version = params["protocolVersion"]
    result = {"capabilities": CAPABILITIES, "instructions": INSTRUCTIONS,
              "protocolVersion": version if version in HANDSHAKE_VERSIONS else LATEST_HANDSHAKE_VERSION,
              "serverInfo": {"name": NAME, "version": VERSION}}
    reply = json.dumps({"jsonrpc": "2.0", "id": id, "result": result}, separators=(",", ":"), ensure_ascii=False)
    return Early(id, reply.encode("utf-8") + b"\n")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys")
    return dict(pairs)


def _refuse(constant: str) -> Any:
    raise ValueError(constant)


def _plain_id(id: Any) -> bool:
    """An id written back the same by any JSON encoder: an int, or printable ASCII text."""
    if isinstance(id, bool):
        return False
    if isinstance(id, int):
        return -_MAX_ID < id < _MAX_ID
    return isinstance(id, str) and len(id) <= 256 and all(" " <= c <= "~" and c not in '"\\' for c in id)


def _client_info(info: Any) -> bool:
    return (isinstance(info, dict) and {"name", "version"} <= set(info) <= _CLIENT_INFO
            and all(isinstance(v, str) for v in info.values()))


def _capabilities(caps: Any) -> bool:
    """Capabilities of the shapes clients send: objects of objects, `roots.listChanged` a boolean."""
    if not isinstance(caps, dict) or not set(caps) <= _CAPABILITIES:
        return False
    for name, value in caps.items():
        if name == "roots":
            if not (isinstance(value, dict) and set(value) <= {"listChanged"}
                    and all(isinstance(v, bool) for v in value.values())):
                return False
        elif not _objects(value):
            return False
    return True


def _objects(value: Any) -> bool:
    """An object whose values are objects, all the way down."""
    return isinstance(value, dict) and all(_objects(v) for v in value.values())

"""Every error a client can cause becomes a `ToolError`: the client sees `is_error` and one short
message, in the tools' own names, that says what to do; the server keeps serving."""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from tract_core import TractError

log = logging.getLogger("tract.server")
F = TypeVar("F", bound=Callable[..., Any])
MAX_CHARS = 260  # under 80 tokens even with hashes in it: an error must not cost more than the call did

# the library's messages name Python methods; a client knows the tools
TOOL_NAMES = {"pending_compressions": "pending", "approve_compression": "approve",
              "reject_compression": "reject", "list_branches": "list_branches", "operations": "operations",
              "log": "log", "merge": "merge", "commit": "commit", "compress": "compress", "status": "status",
              "undo_compression": "undo_compression", "replay": "replay", "gc": "gc", "show": "show",
              "search": "search", "delete_branch": "delete_branch", "tag": "tag", "branch": "branch"}
_CALL = re.compile(r"\b(?:tract\.|t\.)?(\w+)\((?:[^()]*)\)")


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def describe(err: ValidationError) -> str:
    """One short clause per problem: `content.role: Input should be 'user' or 'assistant'`."""
    parts = []
    for e in err.errors()[:3]:
        where = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-")) or "arguments"
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(msg if where == "arguments" else f"{where}: {msg}")
    return shorten("invalid arguments: " + "; ".join(parts))


def in_tool_names(text: str) -> str:
    """`pending_compressions() lists them` → `pending lists them`."""
    return _CALL.sub(lambda m: TOOL_NAMES.get(m.group(1), m.group(0)), text)


def shorten(text: str) -> str:
    """At most MAX_CHARS: the start (what failed) and the end (what to do), the middle elided."""
    text = " ".join(text.split())
    if len(text) <= MAX_CHARS:
        return text
    head = MAX_CHARS // 3
    return text[:head] + "…" + text[len(text) - (MAX_CHARS - head - 1):]


def to_tool_error(err: Exception) -> ToolError:
    if isinstance(err, ValidationError):
        return ToolError(describe(err))
    return ToolError(shorten(in_tool_names(str(err))))


CLIENT_ERRORS = (TractError, ValidationError)


def tool_errors(fn: F) -> F:
    """Turn the library's errors (and validation errors) into `ToolError`s, for sync or async tools.
    Also dedents the docstring, which becomes the tool's description."""
    wrapper = _wrap(fn)
    wrapper.__doc__ = inspect.cleandoc(fn.__doc__ or "")
    return wrapper


def _wrap(fn: F) -> F:
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except CLIENT_ERRORS as err:
                log.info("%s: %s", fn.__name__, err)
                raise to_tool_error(err) from err
        return run_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CLIENT_ERRORS as err:
            log.info("%s: %s", fn.__name__, err)
            raise to_tool_error(err) from err
    return run  # type: ignore[return-value]

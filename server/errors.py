"""Every error a client can cause becomes a `ToolError`: the client sees `is_error` and a message
that says what to do; the server keeps serving."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from tract_core import TractError

log = logging.getLogger("tract.server")
F = TypeVar("F", bound=Callable[..., Any])


def describe(err: ValidationError) -> str:
    """One line per problem: `content.role: Input should be 'user' or 'assistant'`."""
    parts = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "arguments"
        parts.append(f"{where}: {e['msg']}")
    return "invalid arguments: " + "; ".join(parts)


MAX_MESSAGE = 600  # characters: an error quoting a 20 MB argument must not send it back


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """The start and the end of a long message (the end says what to do), the middle elided."""
    if len(message) <= limit:
        return message
    half = (limit - 20) // 2
    return f"{message[:half]} …({len(message) - 2 * half:,} characters)… {message[-half:]}"


def to_tool_error(err: Exception) -> ToolError:
    if isinstance(err, ValidationError):
        return ToolError(shorten(describe(err)))
    return ToolError(shorten(f"{type(err).__name__}: {err}"))


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

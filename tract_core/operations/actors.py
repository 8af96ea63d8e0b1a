"""Who is acting, for the audit trail: an actor name and a trace id set for a block of calls
(`with acting_as("worker-1", trace_id="req-7"): ...`), or a trace id passed to one call
(`t.commit(..., trace_id="req-7")`, see `traced`), read when an event is recorded."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from tract_core.errors import InvalidOperationError

_current: ContextVar[tuple[str | None, str | None]] = ContextVar("tract_actor", default=(None, None))
MAX_NAME = 255  # the audit columns' width
F = TypeVar("F", bound=Callable[..., Any])


def check_name(value: Any, what: str) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > MAX_NAME
                              or "\x00" in value):
        raise InvalidOperationError(f"{what} must be a non-empty text of at most {MAX_NAME} characters "
                                    f"without NUL, not {str(value)[:40]!r}")


@contextmanager
def acting_as(actor: str | None = None, trace_id: str | None = None) -> Iterator[None]:
    """Stamp events recorded inside the block with `actor` and `trace_id` (None keeps the outer one)."""
    check_name(actor, "actor")
    check_name(trace_id, "trace_id")
    outer_actor, outer_trace = _current.get()
    token = _current.set((actor or outer_actor, trace_id or outer_trace))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> tuple[str | None, str | None]:
    return _current.get()


def traced(method: F) -> F:
    """Give a write method a keyword `trace_id=`: the events it records carry that trace id (joining
    the events of one request across agents); None keeps the one `acting_as` set, if any."""
    @functools.wraps(method)
    def call(*args: Any, trace_id: str | None = None, **kwargs: Any) -> Any:
        if trace_id is None:
            return method(*args, **kwargs)
        with acting_as(trace_id=trace_id):
            return method(*args, **kwargs)

    sig = inspect.signature(method)
    params = list(sig.parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind is p.VAR_KEYWORD), len(params))
    params.insert(at, inspect.Parameter("trace_id", inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation="str | None"))
    call.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]

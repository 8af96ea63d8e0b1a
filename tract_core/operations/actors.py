"""Who is acting, for the audit trail: an actor name and a trace id set for a block of calls
(`with acting_as("worker-1", trace_id="req-7"): ...`), read when an event is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[tuple[str | None, str | None]] = ContextVar("tract_actor", default=(None, None))


@contextmanager
def acting_as(actor: str | None = None, trace_id: str | None = None) -> Iterator[None]:
    """Stamp events recorded inside the block with `actor` and `trace_id` (None keeps the outer one)."""
    outer_actor, outer_trace = _current.get()
    token = _current.set((actor or outer_actor, trace_id or outer_trace))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> tuple[str | None, str | None]:
    return _current.get()

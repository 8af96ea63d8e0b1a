"""The lock by which one tract's calls take turns, let go while a call waits for the store.

A `Tract` guards its in-memory caches with one lock per tract. Held while a write waits for
SQLite's write lock (another process writing, for up to the store timeout), it would stall every
other call on that tract, reads included. So `Store.write` first tries to begin without waiting;
when the store is busy it lets go of the tract's lock while it waits, and takes it back once the
write lock is its own. Nothing has been written at that point, and the caches only hold values
keyed by immutable commit hashes, so another call may use them meanwhile.

Lock order stays safe: a call that holds the store's write lock and wants the tract's waits only
for calls that are not waiting on the store (readers, or writers about to let go themselves).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_held = threading.local()


class TurnLock:
    """A re-entrant lock that the store can let go of while the thread holding it waits."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # changed only by the owning thread

    def acquire(self, blocking: bool = True) -> bool:
        if not self._lock.acquire(blocking):
            return False
        self._depth += 1
        _stack().append(self)
        return True

    def release(self) -> None:
        _stack().pop()
        self._depth -= 1
        self._lock.release()

    def __enter__(self) -> TurnLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @contextmanager
    def let_go(self) -> Iterator[None]:
        """Release entirely (however often this thread took it) for the block, then take it back."""
        depth, self._depth = self._depth, 0
        for _ in range(depth):
            self._lock.release()
        try:
            yield
        finally:
            for _ in range(depth):
                self._lock.acquire()
            self._depth = depth


def _stack() -> list[TurnLock]:
    stack = getattr(_held, "stack", None)
    if stack is None:
        stack = _held.stack = []
    return stack


def held() -> TurnLock | None:
    """The turn lock this thread took last and still holds, if any."""
    stack = _stack()
    return stack[-1] if stack else None

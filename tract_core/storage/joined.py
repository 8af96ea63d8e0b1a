"""One transaction across a whole call: `Store.one_transaction()`.

Inside the block, every `write()` and `read()` of that store (in this thread or task) joins a
single write transaction instead of opening its own. The transaction opens lazily, at the first
`write()` (so work before it, like asking a model for a summary, holds no lock), runs `on_open` as
its first step, and commits when the block ends: all of it, or (on an exception, or a crash)
none of it. Each joined `write()` block is a savepoint, so an operation that retries a block after
a lost race retries it inside the one transaction.

Idempotent calls use it to commit a write and its stored answer together (tract_core/idempotency.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tract_core.storage.store import Store, Txn

_current: ContextVar[Joined | None] = ContextVar("tract_joined_transaction", default=None)


class Joined:
    def __init__(self, store: Store, on_open: Callable[[Txn], None] | None) -> None:
        self.store = store
        self.on_open = on_open
        self.tx: Txn | None = None
        self.exclusive = False
        self._stack = ExitStack()

    def _open(self, exclusive: bool) -> Txn:
        self.tx = self._stack.enter_context(self.store.write(exclusive=exclusive, join=False))
        self.exclusive = exclusive
        if self.on_open is not None:
            self.on_open(self.tx)
        return self.tx

    @contextmanager
    def write(self, exclusive: bool) -> Iterator[Txn]:
        tx = self.tx or self._open(exclusive)
        if exclusive and not self.exclusive:
            tx.exclude_writers()
            self.exclusive = True
        with self.store.translated_errors(), tx.conn.begin_nested():
            yield tx

    def end(self, failed: BaseException | None) -> None:
        if failed is None:
            self._stack.close()  # commits; a failing commit raises here
        else:
            self._stack.__exit__(type(failed), failed, failed.__traceback__)  # rolls back


def current(store: Store) -> Joined | None:
    joined = _current.get()
    return joined if joined is not None and joined.store is store else None


@contextmanager
def one_transaction(store: Store, on_open: Callable[[Txn], None] | None = None) -> Iterator[None]:
    joined = Joined(store, on_open)
    token = _current.set(joined)
    try:
        yield
    except BaseException as err:
        _current.reset(token)
        joined.end(err)
        raise
    _current.reset(token)
    joined.end(None)

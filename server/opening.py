"""A store opened while the server answers `initialize`.

Opening the store (SQLAlchemy, the library's storage and operations modules, the schema check) is
about a third of tract-mcp's start-up. Under stdio the server starts serving at once and opens the
store on a thread; the first tool call waits for it, `initialize` and `tools/list` do not. The
tokenizer loads next on the same thread, so the first commit does not wait for it either.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any


class OpeningPool:
    """Stands for the `TractPool` that `open_pool` returns: every attribute waits until it is open. A
    store that cannot be opened ends the process with one line on stderr and status 1, as it would
    have before serving."""

    def __init__(self, open_pool: Callable[[], Any]) -> None:
        self._open_pool = open_pool
        self._pool: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._open, name="open-store", daemon=True).start()

    def _open(self) -> None:
        from tract_core import TractError

        try:
            self._pool = self._open_pool()
        except TractError as err:
            print(f"tract-mcp: {err}", file=sys.stderr, flush=True)
            os._exit(1)
        except BaseException as err:  # re-raised where the pool is used
            self._error = err
        finally:
            self._ready.set()
        from tract_core.tokens import load_encoding

        load_encoding()

    def wait(self) -> Any:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wait(), name)

"""One store, many tracts: the server opens a `Tract` per name on first use and keeps it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from pydantic import BaseModel

from tract_core import StoreBusyError, Tract
from tract_core.idempotency import IdempotencyKeys
from tract_core.storage import Store

M = TypeVar("M", bound=BaseModel)


class TractPool:
    """`run_inline`: run quick library calls on the event loop instead of a worker thread. Right for
    stdio, where one client waits for each answer anyway and the thread hop costs more than a ~1 ms
    commit; wrong for HTTP, where many clients share the loop. A call runs inline only while it
    need not wait (`Tract.no_wait`: the tract and SQLite's write lock are free); one that would
    wait, and every call on PostgreSQL, runs on a worker thread, so the loop keeps answering."""

    def __init__(self, store: Store, *, run_inline: bool = False, **tract_options: Any) -> None:
        self.store = store
        self.keys = IdempotencyKeys(store)
        self.run_inline = run_inline and store.dialect == "sqlite"
        self._options = tract_options
        self._tracts: dict[str, Tract] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path_or_url: str, *, run_inline: bool = False, timeout: float | None = None,
             **tract_options: Any) -> TractPool:
        return cls(Store(path_or_url, timeout=timeout), run_inline=run_inline, **tract_options)

    def get(self, name: str = "default") -> Tract:
        found = self._tracts.get(name)  # no lock on the hot path: another tract's opening may wait
        if found is not None:
            return found
        with self._lock:
            found = self._tracts.get(name)
            if found is None:
                found = self._tracts[name] = Tract(self.store, name, **self._options)
            return found

    def with_summarizer(self, name: str, summarizer: Any) -> Tract:
        """The tract `name` with its own summarizer, for one compression (the shared one keeps its own)."""
        if summarizer is None:
            return self.get(name)
        return Tract(self.store, name, **{**self._options, "summarizer": summarizer})

    def once(self, tract: str, key: str | None, tool: str, request: dict[str, Any],
             result_type: type[M], call: Callable[[], M]) -> M:
        """Run a write tool's `call`, once per idempotency key when one is given."""
        if key is None:
            return call()
        text, _ = self.keys.run(tract, key, tool, json.loads(json.dumps(request, default=str)),
                                lambda: call().model_dump_json())
        return result_type.model_validate_json(text)

    async def run(self, call: Callable[[], M], tract: str | None = None) -> M:
        """Run a quick blocking library call on `tract`: inline when it need not wait (see
        `run_inline`), else on a worker thread."""
        open_tract = self._tracts.get(tract) if self.run_inline and tract is not None else None
        if open_tract is not None:
            try:
                with open_tract.no_wait():
                    return call()
            except StoreBusyError:
                pass  # nothing was written: run it where waiting stalls no one
        return await anyio.to_thread.run_sync(call)

    def close(self) -> None:
        self.store.close()

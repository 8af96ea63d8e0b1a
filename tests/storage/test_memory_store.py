"""An in-memory store shared by several tracts on several threads (as the MCP server's pool does)."""

from __future__ import annotations

import threading

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.storage import Store


def test_threads_on_one_in_memory_store_take_turns():
    store = Store(":memory:")
    errors: list[BaseException] = []

    def work(tract_id: str) -> None:
        try:
            t = Tract(store, tract_id, counter=WordCounter())
            for i in range(25):
                t.user(f"{tract_id} turn {i}")
                t.compile()
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(f"agent-{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)

    assert not errors, repr(errors[0])
    for i in range(4):
        t = Tract(store, f"agent-{i}", counter=WordCounter())
        assert len(t.log()) == 25
        assert [m.content for m in t.compile().messages][-1] == f"agent-{i} turn 24"
    store.close()

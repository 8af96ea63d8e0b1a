"""An idempotent call killed mid-way (issue 15, point 3): the key, the write and the answer commit
together, so the retry either replays the original answer or finds nothing written, and makes the
one commit then: never "still running" forever, never a second commit."""

from __future__ import annotations

import json
import signal

import pytest

from tests.conftest import WordCounter
from tests.reliability.harness import assert_intact, start
from server.models import Committed
from server.pool import TractPool
from tract_core.storage import Store

pytestmark = pytest.mark.slow


def retry(url: str) -> Committed:
    """The client's retry: the same call, with the same key (tests/reliability/worker.py: `once`)."""
    pool = TractPool(Store(url), counter=WordCounter())
    try:
        return pool.once("default", "key-1", "commit", {"text": "the one turn"}, Committed,
                         lambda: Committed.of(pool.get().user("the one turn")))
    finally:
        pool.close()


@pytest.mark.parametrize("where", ["in_call", "after"])
def test_a_retry_after_kill_9_gets_one_commit_and_one_answer(store_url, where):
    worker = start("once", store_url, where)
    worker.read_all()
    assert worker.proc.returncode == -signal.SIGKILL and not worker.errors()
    answers = [json.loads(line["answer"]) for line in worker.lines if "answer" in line]

    first, second = retry(store_url), retry(store_url)

    assert first == second
    if where == "after":  # the answer was made (and reported here) but never reached the client
        assert [first.model_dump(mode="json")] == answers
    assert_intact(store_url, [first.hash])
    pool = TractPool(Store(store_url), counter=WordCounter())
    assert [c.hash for c in pool.get().log()] == [first.hash]
    pool.close()

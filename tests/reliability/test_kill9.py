"""kill -9 in the middle of commit, compress, approve and gc: each is one transaction, so a killed
process leaves its operation done or not done at all; every commit reported done before the kill
stays in the store and reachable, and the branch compiles as a fresh compile does.

Each worker (tests/reliability/worker.py, role `churn`) commits four turns, then dies at the n-th
SQL statement of the operation (mid-transaction), or just after the operation returned."""

from __future__ import annotations

import random
import signal

import pytest

from tests.conftest import WordCounter
from tests.reliability.harness import assert_intact, start
from tract_core import Tract

OPERATIONS = ["commit", "compress", "approve", "gc"]
AFTER_RETURN = 10_000  # more statements than any of these operations runs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("op", OPERATIONS)
def test_kill_9_during_an_operation_loses_nothing_reported(store_url, op):
    rng = random.Random(op)
    done: list[str] = []
    for kill_at in (rng.randint(2, 12), AFTER_RETURN):
        worker = start("churn", store_url, op, TRACT_TEST_KILL_AT=str(kill_at))
        worker.read_all()
        assert worker.proc.returncode == -signal.SIGKILL, worker.errors() or worker.lines
        done += worker.done()
    assert_intact(store_url, done, on_branch=op not in ("compress", "approve"))

    with Tract.open(store_url, counter=WordCounter()) as t:
        t.gc(orphan_retention_days=0)  # what the crashes left is garbage or history, never both
    assert_intact(store_url, done, on_branch=op not in ("compress", "approve"))

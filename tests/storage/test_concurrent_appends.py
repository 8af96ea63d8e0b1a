"""Concurrent writers on one branch never lose a commit: processes on a SQLite file, threads and
processes on PostgreSQL. A writer that loses the compare-and-swap retries, or raises RefConflictError."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.errors import RefConflictError
from tract_core.operations import committing
from tract_core.storage import Store, Txn

WORKER = Path(__file__).with_name("append_worker.py")
PER_WRITER = 15

pytestmark = pytest.mark.slow


def start_processes(url: str, labels: list[str], go: Path) -> list[subprocess.Popen]:
    procs = [subprocess.Popen([sys.executable, str(WORKER), url, label, str(PER_WRITER), str(go)],
                              stdout=subprocess.PIPE, text=True) for label in labels]
    return procs


def wait_ready(procs: list[subprocess.Popen]) -> list[dict]:
    """Block until every process has opened its tract; collect any that failed to."""
    early = []
    for p in procs:
        line = p.stdout.readline().strip()
        if line != "ready":
            early.append(json.loads(line) if line else {"error": f"exit {p.wait()}, no output"})
    return early


def collect(procs: list[subprocess.Popen]) -> list[dict]:
    results = []
    for p in procs:
        out, _ = p.communicate(timeout=60)
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def thread_writer(store: Store, label: str, go: threading.Event, results: list[dict]) -> None:
    out: dict = {"label": label, "hashes": []}
    try:
        t = Tract(store, counter=WordCounter())
        go.wait()
        for i in range(PER_WRITER):
            out["hashes"].append(t.user(f"{label} turn {i}").hash)
    except Exception as err:  # reported by the test
        out["error"] = f"{type(err).__name__}: {err}"
    results.append(out)


def assert_one_linear_chain(url: str, results: list[dict]) -> None:
    errors = [r for r in results if "error" in r]
    assert not errors, errors[0]["error"]
    reported = [h for r in results for h in r["hashes"]]
    assert len(reported) == len(set(reported)) == PER_WRITER * len(results)

    with Tract.open(url, counter=WordCounter()) as t:
        log = t.log()  # newest first
        with t.store.read() as tx:
            assert tx.count_commits(t.tract_id) == len(reported)  # no orphaned commit rows either
    assert {c.hash for c in log} == set(reported)
    assert len(log) == len(reported)
    for newer, older in zip(log, log[1:]):
        assert newer.parents == [older.hash]
    assert log[-1].parents == []
    # each writer's own turns are in its order along the chain
    position = {c.hash: i for i, c in enumerate(reversed(log))}
    for r in results:
        assert [position[h] for h in r["hashes"]] == sorted(position[h] for h in r["hashes"])


def test_processes_appending_to_one_sqlite_file_lose_nothing(sqlite_url, tmp_path):
    Tract.open(sqlite_url).close()  # the store exists before the race; opening races are tested elsewhere
    go = tmp_path / "go"
    procs = start_processes(sqlite_url, [f"p{i}" for i in range(3)], go)
    early = wait_ready(procs)
    go.touch()
    results = early + collect(procs)

    assert_one_linear_chain(sqlite_url, results)


@pytest.mark.postgres
def test_threads_and_processes_appending_on_postgres_lose_nothing(pg_url, tmp_path):
    Tract.open(pg_url).close()
    go_file, go_event = tmp_path / "go", threading.Event()
    procs = start_processes(pg_url, ["p0", "p1"], go_file)
    store = Store(pg_url)
    thread_results: list[dict] = []
    threads = [threading.Thread(target=thread_writer, args=(store, f"t{i}", go_event, thread_results))
               for i in range(4)]
    for th in threads:
        th.start()
    early = wait_ready(procs)
    go_file.touch()
    go_event.set()
    for th in threads:
        th.join(timeout=60)
    results = early + collect(procs) + thread_results
    store.close()

    assert_one_linear_chain(pg_url, results)


def _stale_once(monkeypatch) -> list[int]:
    """Make the next ref compare-and-swap fail, as if another writer had just moved the branch."""
    calls = []
    real = Txn.cas_ref

    def cas_ref(self, *args):
        calls.append(1)
        return False if len(calls) == 1 else real(self, *args)

    monkeypatch.setattr(Txn, "cas_ref", cas_ref)
    return calls


def test_without_retry_the_loser_gets_ref_conflict_and_writes_nothing(store_url, monkeypatch):
    with Tract.open(store_url, counter=WordCounter()) as t:
        first = t.user("first")
        _stale_once(monkeypatch)

        with pytest.raises(RefConflictError, match="branch main"):
            committing.append(t.repo, {"content_type": "dialogue", "role": "user", "text": "lost"},
                              retry=False)

        with t.store.read() as tx:
            assert tx.count_commits(t.tract_id) == 1
        assert [c.hash for c in t.log()] == [first.hash]


def test_with_retry_the_loser_rebuilds_its_commit_on_the_new_tip(store_url, monkeypatch):
    with Tract.open(store_url, counter=WordCounter()) as t:
        first = t.user("first")
        calls = _stale_once(monkeypatch)

        second = t.user("second")

        assert len(calls) == 2
        assert second.parents == [first.hash]
        assert [c.hash for c in t.log()] == [second.hash, first.hash]


@pytest.mark.postgres
def test_writers_of_one_branch_queue_on_the_ref_lock_on_postgres(pg_url):
    """A second writer waits for the first one's transaction instead of losing its compare-and-swap."""
    with Tract.open(pg_url, counter=WordCounter()) as t, \
            Tract.open(pg_url, counter=WordCounter()) as other:
        base = t.user("base")
        done: list[str] = []
        waiter = threading.Thread(target=lambda: done.append(other.user("second").hash))
        with t.store.write() as tx:
            assert tx.lock_ref(t.tract_id, "refs/heads/main") == base.hash
            waiter.start()
            waiter.join(timeout=0.5)
            assert not done  # blocked on our lock
            mine = committing.new_commit_row(t.repo, parents=[base.hash], generation=1,
                                             operation="append", blob=None, edit_target=None,
                                             message="first", metadata=None)
            tx.insert_commit(mine)
            assert tx.cas_ref(t.tract_id, "refs/heads/main", base.hash, mine.hash)
        waiter.join(timeout=10)
        assert done
        log = t.log()
        assert [c.hash for c in log] == [done[0], mine.hash, base.hash]
        assert log[0].parents == [mine.hash]

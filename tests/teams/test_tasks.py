"""The task queue: idempotent posts, exactly-once claims across processes, leases that expire."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tract_core import Session, TaskError, clock
from tract_core.errors import IdempotencyKeyError, InvalidOperationError

WORKER = Path(__file__).with_name("task_worker.py")


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


def _start(url, session_id, worker, mode, go):
    p = subprocess.Popen([sys.executable, str(WORKER), url, session_id, worker, mode, str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    return p


def _finish(p) -> dict:
    out, err = p.communicate(timeout=120)
    result = json.loads(out.strip().splitlines()[-1])
    assert "error" not in result, result["error"]
    return result


def _reports(session, parent="lead"):
    msgs = session.tract(parent).compile().messages
    return [m.content for m in msgs if m.content.startswith("[Report from")]


def _post_twenty(s):
    first = [s.post_task(f"task {i}", parent="lead", idempotency_key=f"k{i}") for i in range(20)]
    again = [s.post_task(f"task {i}", parent="lead", idempotency_key=f"k{i}") for i in range(20)]
    assert [t.id for t in again] == [t.id for t in first]
    assert len(s.tasks()) == 20


def test_four_worker_processes_claim_each_task_once_and_collapse_it_once(store_url, tmp_path):
    with Session.open(store_url, title="fan-out", counter=WordCounter()) as s:
        s.tract("lead").system("You coordinate.")
        _post_twenty(s)
        go = tmp_path / "go"
        workers = [_start(store_url, s.id, f"w{i}", "work", go) for i in range(4)]
        go.touch()
        done = [tid for p in workers for tid in _finish(p)["done"]]
        assert sorted(done) == sorted(t.id for t in s.tasks())  # each completed by exactly one worker
        assert all(t.status == "done" and t.attempts == 1 for t in s.tasks())
        claims = Counter(e.parameters["task"] for e in s.audit(kind="task_claimed", limit=1000))
        assert set(claims.values()) == {1} and len(claims) == 20
        reports = _reports(s)
        assert len(reports) == 20
        assert sorted(r.split("finished ")[1] for r in reports) == sorted(f"task {i}" for i in range(20))


def test_a_worker_killed_holding_a_task_loses_nothing(store_url, tmp_path):
    with Session.open(store_url, counter=WordCounter()) as s:
        s.tract("lead").system("You coordinate.")
        for i in range(5):
            s.post_task(f"task {i}", parent="lead", idempotency_key=f"k{i}")
        go = tmp_path / "go"
        holder = _start(store_url, s.id, "doomed", "hold", go)
        go.touch()
        held = json.loads(holder.stdout.readline())["held"]
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        assert s.task(held).status == "claimed" and s.task(held).worker == "doomed"
        time.sleep(1.2)  # the 1-second lease runs out
        go2 = tmp_path / "go2"
        workers = [_start(store_url, s.id, f"w{i}", "work", go2) for i in range(2)]
        go2.touch()
        done = [tid for p in workers for tid in _finish(p)["done"]]
        assert held in done
        task = s.task(held)
        assert task.status == "done" and task.attempts == 2 and task.worker != "doomed"
        assert len(_reports(s)) == 5


def test_an_expired_lease_fences_out_the_late_worker_and_a_limit_fails_the_task(store_url):
    with Session.open(store_url, counter=WordCounter()) as s:
        s.post_task("flaky", parent="lead", max_attempts=2)
        slow = s.claim_task("slow", lease_seconds=60)
        assert s.claim_task("other") is None  # held
        clock.advance(61)
        second = s.claim_task("fast", lease_seconds=60)
        assert second.id == slow.id and second.attempts == 2
        with pytest.raises(TaskError, match="no longer held by slow"):
            slow.complete("late")
        clock.advance(61)
        assert s.claim_task("third") is None  # two attempts used: the task failed
        failed = s.task(slow.id)
        assert failed.status == "failed" and "lease expired 2 times" in failed.error
        assert _reports(s) == []


def test_heartbeat_extends_the_lease(store_url):
    with Session.open(store_url, counter=WordCounter()) as s:
        s.post_task("long job")
        task = s.claim_task("w", lease_seconds=10)
        clock.advance(8)
        task.heartbeat(10)
        clock.advance(8)
        assert s.claim_task("thief") is None
        task.complete({"ok": True}, collapse=False)
        assert s.task(task.id).result == {"ok": True}


def test_states_fail_cancel_and_routing():
    with Session.open(":memory:", counter=WordCounter()) as s:
        a = s.post_task("for reviewers", to="reviewer")
        b = s.post_task("for anyone")
        assert s.claim_task("coder", to="coder") is None
        got = s.claim_task("r1", to="reviewer")
        assert got.id == a.id
        got.fail("could not")
        assert s.task(a.id).status == "failed" and s.task(a.id).error == "could not"
        b.cancel()
        assert s.task(b.id).status == "cancelled"
        assert s.claim_task("anyone") is None
        with pytest.raises(TaskError, match="only pending or claimed"):
            b.cancel()
        assert [t.id for t in s.tasks("failed")] == [a.id]


def test_idempotency_keys_expire_after_their_ttl(monkeypatch):
    monkeypatch.setenv("TRACT_IDEMPOTENCY_TTL_SECONDS", "60")
    with Session.open(":memory:", counter=WordCounter()) as s:
        first = s.post_task("once", idempotency_key="k")
        assert s.post_task("once", idempotency_key="k").id == first.id
        clock.advance(61)
        assert s.post_task("once", idempotency_key="k").id != first.id


def test_gc_forgets_task_keys_past_their_ttl_in_every_session(sqlite_url):
    with Session.open(sqlite_url, "quiet") as s:
        kept = s.post_task("stays", idempotency_key="k")
        clock.advance(24 * 3600 - 10)
        Session.gc(sqlite_url)
        assert s.task(kept.id).idempotency_key == "k"
        clock.advance(20)
        Session.gc(sqlite_url)   # the session never posts again: gc forgets its key all the same
        task = s.task(kept.id)
        assert task.idempotency_key is None and task.status == "pending"


def test_bad_task_arguments_are_typed_errors():
    with Session.open(":memory:") as s:
        with pytest.raises(InvalidOperationError):
            s.post_task("")
        with pytest.raises(IdempotencyKeyError):
            s.post_task("x", idempotency_key="")
        with pytest.raises(InvalidOperationError):
            s.claim_task("w", lease_seconds=0)
        with pytest.raises(InvalidOperationError):
            s.post_task("x", payload={1j})


def test_four_threads_with_their_own_connections_claim_each_task_once(store_url):
    import threading

    with Session.open(store_url, counter=WordCounter()) as s:
        s.tract("lead").system("You coordinate.")
        _post_twenty(s)
        done: dict[str, list[str]] = {}
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                with Session.open(store_url, s.id, counter=WordCounter()) as mine:
                    done[name] = []
                    while (task := mine.claim_task(name)) is not None:
                        task.complete(f"{name} finished {task.title}")
                        done[name].append(task.id)
            except BaseException as err:  # reported below
                errors.append(err)

        threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        ids = [tid for got in done.values() for tid in got]
        assert sorted(ids) == sorted(t.id for t in s.tasks()) and len(set(ids)) == 20
        assert len(_reports(s)) == 20

"""Idempotency keys: a retried write returns the first result and writes nothing more."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from tract_core import Tract
from tract_core.errors import IdempotencyKeyError
from tract_core.idempotency import IdempotencyKeys, fingerprint
from tract_core.storage import Store, now_us
from tract_core.storage.idempotency import reserve_key


def test_a_retry_replays_the_first_result_and_survives_a_restart(store_url):
    store = Store(store_url)
    calls = []

    def write():
        calls.append(1)
        return f"result-{len(calls)}"

    assert IdempotencyKeys(store).run("t", "k1", "commit", {"a": 1}, write) == ("result-1", False)
    store.close()
    store = Store(store_url)  # a restart
    assert IdempotencyKeys(store).run("t", "k1", "commit", {"a": 1}, write) == ("result-1", True)
    assert calls == [1]
    # keys are per tract
    assert IdempotencyKeys(store).run("other", "k1", "commit", {"a": 1}, write) == ("result-2", False)
    store.close()


def test_a_key_reused_for_another_call_is_refused(sqlite_url):
    keys = IdempotencyKeys(Store(sqlite_url))
    keys.run("t", "k", "commit", {"a": 1}, lambda: "x")
    with pytest.raises(IdempotencyKeyError, match="different call"):
        keys.run("t", "k", "commit", {"a": 2}, lambda: "y")
    with pytest.raises(IdempotencyKeyError, match="different call"):
        keys.run("t", "k", "merge", {"a": 1}, lambda: "y")
    with pytest.raises(IdempotencyKeyError, match="non-empty"):
        keys.run("t", "", "commit", {}, lambda: "y")


def test_a_failed_call_releases_its_key(sqlite_url):
    keys = IdempotencyKeys(Store(sqlite_url))

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        keys.run("t", "k", "commit", {}, fail)
    assert keys.run("t", "k", "commit", {}, lambda: "ok") == ("ok", False)


def test_a_concurrent_retry_waits_for_the_first_call_and_replays_its_answer(store_url):
    t = Tract.open(store_url)
    keys = IdempotencyKeys(t.store)
    wrote, release = threading.Event(), threading.Event()
    answers: list[tuple[str, bool]] = []

    def first():
        made = t.user("hi").hash  # written, not yet committed: the key is held
        wrote.set()
        release.wait(5)
        return made

    def retry():
        return t.user("hi").hash

    th = threading.Thread(target=lambda: answers.append(keys.run("default", "k", "commit", {}, first)))
    th.start()
    assert wrote.wait(5)
    again = threading.Thread(target=lambda: answers.append(keys.run("default", "k", "commit", {}, retry)))
    again.start()
    time.sleep(0.2)  # the retry is waiting for the first call's transaction
    release.set()
    th.join(10)
    again.join(10)
    assert sorted(answers, key=lambda a: a[1]) == [(answers[0][0], False), (answers[0][0], True)]
    assert len(t.log()) == 1
    t.close()


def test_a_call_left_running_by_an_older_version_is_refused_then_taken_over(sqlite_url):
    """A reservation committed on its own (tract before one-transaction keys) means "in progress"
    until it is stale."""
    store = Store(sqlite_url)
    with store.write() as tx:
        reserve_key(tx, "t", "k", "commit", json.dumps({"request": fingerprint({}), "pending": True}),
                    now_us())
    with pytest.raises(IdempotencyKeyError, match="still running"):
        IdempotencyKeys(store).run("t", "k", "commit", {}, lambda: "second")
    stale = IdempotencyKeys(store, stale_after=timedelta(0))
    assert stale.run("t", "k", "commit", {}, lambda: "second") == ("second", False)


def test_expired_and_abandoned_keys_are_reused(sqlite_url):
    store = Store(sqlite_url)
    IdempotencyKeys(store).run("t", "k", "commit", {}, lambda: "old")
    expired = IdempotencyKeys(store, ttl=timedelta(0))
    assert expired.run("t", "k", "commit", {}, lambda: "new") == ("new", False)


def test_with_a_real_commit_nothing_is_written_twice(sqlite_url):
    t = Tract.open(sqlite_url)
    keys = IdempotencyKeys(t.store)
    first = keys.run("default", "turn-1", "commit", {"text": "hi"}, lambda: t.user("hi").hash)
    again = keys.run("default", "turn-1", "commit", {"text": "hi"}, lambda: t.user("hi").hash)
    assert first[0] == again[0] and again[1]
    assert len(t.log()) == 1
    t.close()


def test_a_failed_first_call_on_a_new_tract_leaves_it_usable(store_url):
    """The call opens the tract (its rows commit on their own) and then fails: its writes go, the
    tract stays."""
    store = Store(store_url)
    keys = IdempotencyKeys(store)
    made: list[Tract] = []

    def call():
        made.append(Tract(store, "fresh"))
        made[0].user("written, then undone")
        raise RuntimeError("the call failed")

    with pytest.raises(RuntimeError):
        keys.run("fresh", "k", "commit", {}, call)
    assert made[0].log() == []
    assert made[0].user("after").content.text == "after"
    store.close()

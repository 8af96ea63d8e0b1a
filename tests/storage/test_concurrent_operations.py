"""Many kinds of write at once (commits of the same content, branch, merge, reset, annotate, register a
content type) from several handles: every failure is a typed TractError, never a raw database error,
and the store stays consistent."""

from __future__ import annotations

import random
import threading
import time
from typing import Literal

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from tests.conftest import WordCounter
from tract_core import Tract, TractError
from tract_core.storage import Store
from tract_core.storage import schema as s

WRITERS = 5
SECONDS = 1.0


class Note(BaseModel):
    content_type: Literal["note"] = "note"
    text: str


def _one_op(t: Tract, rng: random.Random, label: str, i: int) -> None:
    op = rng.choice(["commit", "commit", "same", "branch", "merge", "reset", "annotate", "register"])
    if op == "commit":
        t.user(f"{label} says {i}")
    elif op == "same":
        t.assistant("the very same reply")  # every writer stores this blob: conflicting inserts
    elif op == "branch":
        t.branch("shared")
    elif op == "merge":
        t.merge("shared")
    elif op == "reset":
        log = t.log(limit=2)
        if len(log) == 2:
            t.reset(log[1].hash)
    elif op == "annotate":
        log = t.log(limit=1)
        if log:
            t.annotate(log[0].hash, "pinned")
    else:
        t.register_content_type("note", Note)


def _writer(store: Store, label: str, errors: list[BaseException], deadline: float) -> None:
    rng = random.Random(label)
    t = Tract(store, counter=WordCounter())
    i = 0
    while time.monotonic() < deadline:
        i += 1
        try:
            _one_op(t, rng, label, i)
        except TractError:
            pass  # a typed answer (branch exists, ref moved, …) is fine
        except BaseException as err:  # anything else is the bug this test looks for
            errors.append(err)
            return


def test_mixed_concurrent_writes_raise_only_typed_errors(store_url):
    Tract.open(store_url).close()
    stores = [Store(store_url) for _ in range(WRITERS)]  # one engine each, as separate processes have
    errors: list[BaseException] = []
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=_writer, args=(st, f"w{i}", errors, deadline))
               for i, st in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)

    assert not errors, repr(errors[0])
    with stores[0].read() as tx:
        commits = set(tx.conn.scalars(select(s.commits.c.hash)))
        blobs = set(tx.conn.scalars(select(s.blobs.c.hash)))
        parents = set(tx.conn.scalars(select(s.commit_parents.c.parent)))
        content = set(tx.conn.scalars(select(s.commits.c.content_hash))) - {None}
        targets = {r.commit_hash for r in tx.list_refs("default") if r.commit_hash}
    assert parents <= commits and content <= blobs and targets <= commits
    with Tract(stores[0], counter=WordCounter()) as t:
        t.compile()  # the history still compiles
    for st in stores:
        st.close()


@pytest.mark.postgres
def test_same_content_from_many_writers_is_one_blob(pg_url):
    Tract.open(pg_url).close()
    stores = [Store(pg_url) for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(st: Store) -> None:
        try:
            t = Tract(st, counter=WordCounter())
            barrier.wait()
            for _ in range(5):
                t.assistant("ok")
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(st,)) for st in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)

    assert not errors, repr(errors[0])
    with Tract(stores[0], counter=WordCounter()) as t:
        log = t.log()
        assert len(log) == WRITERS * 5 and len({c.content_hash for c in log}) == 1
        with t.store.read() as tx:
            assert len(list(tx.conn.scalars(select(s.blobs.c.hash)))) == 1
    for st in stores:
        st.close()

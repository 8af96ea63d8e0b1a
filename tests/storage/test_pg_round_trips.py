"""PostgreSQL: a commit and a compile wait for the server as few times as their answers allow
(storage/pg_pipeline.py), and what the server checks for them still decides whether they commit."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from tract_core import Tract
from tract_core.errors import StorageError, WriteConflictError
from tract_core.storage import CommitRow, now_us
from tract_core.storage.driver import Sql

from tests.conftest import WordCounter
from tests.reliability.tcp_proxy import TcpProxy

@pytest.fixture
def proxy():
    with TcpProxy(("127.0.0.1", 5432)) as p:
        yield p


@pytest.fixture
def t(pg_url, proxy):
    """A tract reached through a proxy that counts round trips (`proxy.exchanges`)."""
    with Tract.open(proxy.url(pg_url), "trips", counter=WordCounter()) as t:
        t.system("sys")
        t.user("warm up")
        t.compile()
        yield t


def trips(proxy, call) -> int:
    before = proxy.exchanges
    call()
    time.sleep(0.05)  # the proxy's thread has passed the last answer on
    return proxy.exchanges - before


@pytest.mark.postgres
def test_a_commit_is_two_round_trips(t, proxy):
    """BEGIN, the writers' lock, the refs with the branch held: one; blob, commit, ref move, audit
    event and COMMIT: the other (nine before)."""
    for text_ in ("one", "two", "three"):
        assert trips(proxy, lambda: t.user(text_)) == 2
    assert [m.content for m in t.compile().messages][-3:] == ["one", "two", "three"]


@pytest.mark.postgres
def test_a_compile_reads_in_two_round_trips(t, proxy):
    """BEGIN, the refs and the annotations since the last read: one; COMMIT: the other (four
    before)."""
    t.user("more")
    t.annotate(t.log(1)[0].hash, "pinned", "keep")
    t.compile()
    assert trips(proxy, t.compile) == 2
    assert t.compile().messages[-1].content == "more"


@pytest.mark.postgres
def test_annotations_made_elsewhere_are_seen_by_the_read_that_reads_ahead(pg_url):
    """The annotations read with the refs are those of the read's snapshot, whoever made them."""
    with Tract.open(pg_url, "seen", counter=WordCounter()) as t, \
            Tract.open(pg_url, "seen", counter=WordCounter()) as other:
        t.user("first")
        keep = t.user("second")
        t.compile()
        t.compile()  # the store now reads the annotations with the refs
        other.annotate(keep.hash, "skip")
        assert [m.content for m in t.compile().messages] == ["first"]
        other.annotate(keep.hash, "normal")
        assert [m.content for m in t.compile().messages] == ["first", "second"]


@pytest.mark.postgres
def test_a_ref_that_moved_under_its_hold_fails_the_commit_and_writes_nothing(t):
    """The move of a held ref is checked by the server in the statement that makes it: should the
    ref not point where the hold read it (here moved behind the Txn's back in the same
    transaction), the round trip that carries the move fails and nothing commits."""
    tip = t.log(1)[0].hash
    row = CommitRow("e" * 64, t.tract_id, [tip], "append", None, None, "m", None, now_us(), 99)
    with pytest.raises(WriteConflictError, match="refs/heads/main moved"):
        with t.store.write() as tx:
            refs, held = tx.lock_branch(t.tract_id, None)
            assert held == tip
            tx.conn.execute(text("UPDATE refs SET commit_hash = NULL WHERE name = 'refs/heads/main'"))
            tx.insert_commit(row)
            assert tx.cas_ref(t.tract_id, "refs/heads/main", tip, row.hash)  # sent later, checked there
    assert t.log(1)[0].hash == tip
    with t.store.read() as tx:
        assert tx.get_commit(t.tract_id, row.hash) is None
    assert t.user("after").parents == [tip]  # the connection is fine afterwards


@pytest.mark.postgres
def test_a_commit_of_one_parent_inserted_twice_says_it_exists(t):
    tip = t.log(1)[0].hash
    row = CommitRow("f" * 64, t.tract_id, [tip], "append", None, None, "m", None, now_us(), 99)
    with t.store.write() as tx:
        tx.insert_commit(row)
    with pytest.raises(StorageError, match=f"commit {'f' * 12} exists already"):
        with t.store.write() as tx:
            tx.insert_commit(row)
            tx.set_ref(t.tract_id, "ORIG_HEAD", tip)
    with t.store.read() as tx:
        assert tx.get_ref(t.tract_id, "ORIG_HEAD") is None


@pytest.mark.postgres
def test_a_queued_statement_that_fails_is_reported_as_itself(t):
    """A statement sent with a later one fails that round trip with its own error."""
    with pytest.raises(StorageError, match="division by zero"):
        with t.store.write() as tx:
            tx.driver.send(Sql("SELECT 1 / 0"))
            tx.list_refs(t.tract_id)
    assert t.user("still fine").parents == [t.log(2)[1].hash]


def test_lock_branch_gives_every_ref_and_the_tip_of_the_branch_named_or_heads(store_url):
    with Tract.open(store_url, "lb", counter=WordCounter()) as t:
        a = t.user("a")
        t.branch("side", switch=True)
        b = t.user("b")
        t.switch("main")
        with t.store.write() as tx:
            heads, tip = tx.lock_branch("lb", None)
            assert tip == a.hash
            assert tx.lock_branch("lb", "refs/heads/side")[1] == b.hash
            assert tx.lock_branch("lb", "refs/heads/none")[1] is None
            assert tx.generation("lb", a.hash) == 0
        assert {r.name: r.commit_hash for r in heads} == {"HEAD": None, "refs/heads/main": a.hash,
                                                          "refs/heads/side": b.hash}
        assert {r.name: r.symbolic for r in heads}["HEAD"] == "refs/heads/main"


@pytest.mark.postgres
def test_a_connection_kept_for_the_thread_and_dropped_by_the_server_while_idle_is_replaced(pg_url):
    """PostgreSQL transactions of one thread reuse its last connection, outside the pool; one that
    sat idle is pinged first, as the pool pings, and one the server has dropped is replaced."""
    import psycopg

    with Tract.open(pg_url, "idle", counter=WordCounter()) as t:
        first = t.user("before")
        held = t.store._held_pg
        pid = held._conn.connection.driver_connection.info.backend_pid
        t.user("again")
        assert held._conn.connection.driver_connection.info.backend_pid == pid  # the same one
        with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0],
                             autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        held._since -= 3600  # idle for an hour
        after = t.user("after")
        assert after.parents == [t.log(2)[1].hash] and t.log(3)[2].hash == first.hash
        assert held._conn.connection.driver_connection.info.backend_pid != pid

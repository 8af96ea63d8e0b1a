"""A database outage ends every store call within the store's timeout, with a StorageError that says
what to do, and the same Tract works again once the database is back.

PostgreSQL is reached through a TCP proxy the test black-holes (the shared server is never
stopped); SQLite's lock is held by another process."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import WordCounter
from tests.reliability.tcp_proxy import TcpProxy
from tract_core import StorageError, StoreTimeoutError, Tract
from tract_core.storage import Store

TIMEOUT = 2.0
# a dead pooled connection costs one bounded round trip (the pre-ping), then one bounded connect
BOUND = 2 * TIMEOUT + 2


@pytest.fixture
def proxy():
    with TcpProxy(("127.0.0.1", 5432)) as p:
        yield p


def timed(fn):
    start = time.monotonic()
    with pytest.raises(StorageError) as err:
        fn()
    return err.value, time.monotonic() - start


@pytest.mark.postgres
def test_a_black_holed_postgres_fails_each_call_in_bounded_time_then_reconnects(pg_url, proxy):
    with Tract.open(proxy.url(pg_url), timeout=TIMEOUT, counter=WordCounter()) as t:
        before = t.user("before the outage")
        proxy.blackhole()
        for call in (lambda: t.user("during the outage"), t.status, t.compile):
            err, took = timed(call)
            assert isinstance(err, StoreTimeoutError), err
            assert took < BOUND, f"{took:.1f} s"
            assert "did not answer within 2 s" in str(err) and "reachable" in str(err)
            assert "s3cret" not in str(err)
        proxy.restore()
        after = t.user("after the outage")
        assert [c.hash for c in t.log()] == [after.hash, before.hash]  # nothing from the outage
        assert t.compile().messages[-1].content == "after the outage"


@pytest.mark.postgres
def test_opening_a_store_behind_a_black_hole_fails_in_bounded_time(pg_url, proxy):
    proxy.blackhole()
    err, took = timed(lambda: Tract.open(proxy.url(pg_url), timeout=TIMEOUT))
    assert isinstance(err, StoreTimeoutError), err
    assert "cannot open store" in str(err)
    assert took < BOUND


@pytest.mark.postgres
def test_a_statement_waiting_on_a_lock_gives_up_after_the_timeout(pg_url):
    # the server enforces the same bound (lock_timeout): a row locked by another session
    import psycopg

    from tests.conftest import _pg_conninfo

    with Tract.open(pg_url, timeout=TIMEOUT, counter=WordCounter()) as t:
        t.user("first")
        schema = pg_url.rsplit("%3D", 1)[1]
        with psycopg.connect(_pg_conninfo()) as blocker:
            blocker.execute(f'LOCK TABLE "{schema}".refs IN ACCESS EXCLUSIVE MODE')
            err, took = timed(lambda: t.user("second"))
        assert isinstance(err, StoreTimeoutError), err
        assert took < BOUND
        t.user("third")  # the same Tract, the lock gone
        assert len(t.log()) == 2


def test_sqlite_locked_by_another_process_fails_after_the_timeout(sqlite_url):
    with Tract.open(sqlite_url, timeout=TIMEOUT, counter=WordCounter()) as t:
        t.user("first")
        with holding_write_lock(sqlite_url):
            err, took = timed(lambda: t.user("second"))
        assert isinstance(err, StoreTimeoutError), err
        assert "write lock" in str(err) and "nothing was written" in str(err)
        assert TIMEOUT * 0.9 < took < TIMEOUT + 2
        t.user("third")
        assert len(t.log()) == 2


def test_a_commit_waiting_for_sqlites_lock_does_not_hold_up_reads_of_its_tract(sqlite_url):
    with Tract.open(sqlite_url, timeout=20, counter=WordCounter()) as t:
        t.user("first")
        with ThreadPoolExecutor(1) as pool:
            with holding_write_lock(sqlite_url):
                waiting = pool.submit(t.user, "second")
                time.sleep(0.3)
                start = time.monotonic()
                assert t.status().commit_count == 1  # the same Tract, while its commit waits
                assert [m.content for m in t.compile().messages] == ["first"]
                assert time.monotonic() - start < 2
                assert not waiting.done()
            assert waiting.result(timeout=20).parents  # the lock is free: the commit goes through
        assert t.status().commit_count == 2


def test_the_timeout_comes_from_the_environment_and_is_checked(sqlite_url, monkeypatch):
    monkeypatch.setenv("TRACT_STORE_TIMEOUT", "1.5")
    store = Store(sqlite_url)
    assert store.timeout == 1.5
    store.close()
    assert Store(sqlite_url, timeout=4).timeout == 4  # the argument wins
    monkeypatch.setenv("TRACT_STORE_TIMEOUT", "soon")
    with pytest.raises(StorageError, match="TRACT_STORE_TIMEOUT must be a number of seconds"):
        Store(sqlite_url)
    with pytest.raises(StorageError, match="timeout must be"):
        Tract.open(sqlite_url, timeout=-1)


class holding_write_lock:
    """Another process holding SQLite's write lock until the block ends."""

    SCRIPT = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
              "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()")

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, self.path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"
        return self

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


@pytest.mark.postgres
def test_a_schema_migration_runs_without_the_timeout(pg_url):
    # a large store's migration may take longer than the timeout; stopped half-way it would be
    # retried, and stopped, on every open: `unbounded` lifts the server's and the client's bounds
    from sqlalchemy import text

    from tract_core.storage.engine import unbounded

    store = Store(pg_url, timeout=1)
    try:
        with store.engine.connect() as conn, conn.begin():
            with unbounded(conn):
                conn.execute(text("SELECT pg_sleep(1.5)"))
        with pytest.raises(StoreTimeoutError):
            with store.read() as tx:
                tx.conn.execute(text("SELECT pg_sleep(1.5)"))
        with store.read() as tx:  # the bound is back on the pooled connection
            assert tx.conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        store.close()

"""A SQLite store runs with WAL, a busy timeout, foreign keys and synchronous=NORMAL on every
connection, and takes the write lock when a write transaction begins."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from tract_core.errors import StorageError
from tract_core.storage import CommitRow, Store, now_us


@pytest.fixture
def store(sqlite_url):
    st = Store(sqlite_url)
    yield st
    st.close()


def pragma(conn, name: str):
    return conn.execute(text(f"PRAGMA {name}")).scalar()


def test_every_connection_has_the_pragmas(store):
    # two connections at once: the settings are per connection, not a one-off
    with store.engine.connect() as one, store.engine.connect() as two:
        for conn in (one, two):
            assert pragma(conn, "journal_mode") == "wal"
            assert pragma(conn, "foreign_keys") == 1
            assert pragma(conn, "synchronous") == 1  # NORMAL
            assert pragma(conn, "busy_timeout") > 0


def test_foreign_keys_are_enforced(store):
    orphan = CommitRow("c" * 64, "default", [], "append", None, "no-such-blob", None, None, now_us(), 0)
    with pytest.raises(StorageError, match="FOREIGN KEY"):
        with store.write() as tx:
            tx.insert_commit(orphan)
    with store.read() as tx:
        assert tx.get_commit("default", "c" * 64) is None


def test_a_write_transaction_holds_the_write_lock_from_its_start(store, sqlite_url):
    """BEGIN IMMEDIATE: a deferred transaction upgraded to a write fails at once under contention."""
    with store.write():
        other = sqlite3.connect(sqlite_url, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    with store.read():  # reads stay deferred: they take no write lock
        other = sqlite3.connect(sqlite_url, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()

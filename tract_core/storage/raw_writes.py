"""SQLite's write transaction, begun and ended on the driver connection.

Through SQLAlchemy a write's BEGIN and COMMIT (its Transaction object, the connection's options, the
`begin` event's checks) cost about as much Python as every statement of a commit together. A write on
SQLite's held connection (storage/held.py) sends `BEGIN IMMEDIATE` and `COMMIT` to the driver itself,
as a read does (storage/hot_reads.py): the same pragmas (writes allowed, the busy timeout asked
for) set only when they change. A statement that still goes through SQLAlchemy in it joins the open
transaction (the `begin` event sees the flag and sends no BEGIN), and the end commits or rolls back
through SQLAlchemy then. The engine's `commit` and `rollback` events still fire for listeners.
"""

from __future__ import annotations

from tract_core.storage.driver import Driver, Sql, listened
from tract_core.storage.engine import RAW_READ  # the flag: a transaction begun on the driver is open
from tract_core.storage.hot_reads import begin_on_driver

_BEGIN_IMMEDIATE = Sql("BEGIN IMMEDIATE")


def begin_write(conn, wait_ms: int) -> Driver:
    """Begin a write transaction on `conn` (no SQLAlchemy transaction open on it), taking SQLite's write
    lock at once (a deferred read upgraded to a write fails under contention), waiting at most `wait_ms`
    for another writer. A failure (busy, say) leaves no transaction open."""
    return begin_on_driver(conn, wait_ms, query_only=0, begin=_BEGIN_IMMEDIATE)


def commit_write(conn, driver: Driver) -> None:
    """Commit a write begun by `begin_write`; on failure the transaction may still be open: the
    caller abandons it (`abandon_write`)."""
    conn.connection.info.pop(RAW_READ, None)
    if conn.in_transaction():  # a statement through SQLAlchemy joined it
        conn.commit()
        return
    if listened(conn, "commit"):
        conn.dispatch.commit(conn)
    try:
        driver.raw.commit()
    except driver.error as err:
        raise driver.failed(err, "COMMIT", ()) from err


def abandon_write(conn, driver: Driver | None) -> None:
    """Roll back a write begun by `begin_write` after any failure. Its connection is closed next,
    which would roll it back too; a rollback that fails here is left to that."""
    if conn.invalidated or conn.closed:
        return  # the database connection went with it
    conn.connection.info.pop(RAW_READ, None)
    try:
        if conn.in_transaction():
            conn.rollback()
        elif driver is not None:
            if listened(conn, "rollback"):
                conn.dispatch.rollback(conn)
            driver.raw.rollback()
    except Exception:  # noqa: BLE001 - the close that follows rolls back, or discards the connection
        pass

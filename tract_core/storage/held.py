"""One SQLite connection kept out of the pool between transactions, for the thread that used it last.

Checking a connection out of SQLAlchemy's pool and back in (a Connection object, the pool's events,
a rollback on return) costs about as much as a commit's own statements. An agent's loop runs its
transactions one after another on one thread: the connection it just used is kept and handed to
its next transaction; a transaction on another thread (or one nested inside) checks one out as
before, so the pool's limits and every thread's isolation stay what they were.

Its connections carry no per-transaction state once the transaction ends: SQLite's pragmas are
set by the `begin` event from the options given to `take()`, and a PostgreSQL transaction's BEGIN
says its isolation (storage/pg_pipeline.py). A connection held for more than `max_idle` seconds
is checked first with `ping` (PostgreSQL: the server may have dropped it), and replaced if it fails.
"""

from __future__ import annotations

import threading
import time


class HeldConnection:
    def __init__(self, engine, defaults: dict, max_idle: float | None = None, ping=None) -> None:
        self._engine = engine
        self._defaults = defaults  # every option the `begin` event reads, so none lingers from before
        self._max_idle = max_idle
        self._ping = ping  # of the driver connection; raises when it is dead
        self._lock = threading.Lock()
        self._conn = None
        self._owner: int | None = None
        self._since = 0.0  # when the held connection was given back

    def take(self, **options):
        """A connection (the held one when this thread holds it) with `options`; give it back with
        `release`."""
        return self.take_bare().execution_options(**{**self._defaults, **options})

    def take_bare(self):
        """As `take`, without setting any option: for a transaction begun on the driver
        (storage/hot_reads.py), which reads none."""
        me = threading.get_ident()
        conn = None
        with self._lock:
            if self._owner == me:
                conn, self._conn, self._owner = self._conn, None, None
                idle = time.monotonic() - self._since
        if conn is not None and self._max_idle is not None and idle > self._max_idle and not conn.invalidated:
            try:
                self._ping(conn.connection.driver_connection)
            except Exception:  # noqa: BLE001 - dead: replaced below
                conn.invalidate()
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                conn.close()
            conn = self._engine.connect()
        return conn

    def release(self, conn, failed: bool = False) -> None:
        """Keep `conn` for this thread's next transaction, or close it (back to the pool) after a
        failure, or when another is held already."""
        if failed or conn.closed or conn.invalidated or conn.in_transaction():
            conn.close()
            return
        with self._lock:
            old, self._conn, self._owner = self._conn, conn, threading.get_ident()
            self._since = time.monotonic()
        if old is not None:
            old.close()

    def close(self) -> None:
        with self._lock:
            conn, self._conn, self._owner = self._conn, None, None
        if conn is not None:
            conn.close()

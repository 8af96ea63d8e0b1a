"""The commit path's statements, run on the database driver itself (sqlite3 or psycopg).

A commit runs a handful of tiny statements; through SQLAlchemy's `Connection.execute` each costs
30–60 µs of Python before the database sees it, several times what SQLite takes to run it. The hot
path sends its fixed SQL (written once, here in storage) straight to the driver connection of the
SQLAlchemy transaction it is part of, and a driver error comes back as SQLAlchemy's, so the store
reports it like any other (StorageError, StoreTimeoutError, WriteConflictError, …).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError


class Sql:
    """One statement, written with `?` placeholders, in the form each driver takes."""

    __slots__ = ("sqlite", "postgresql")

    def __init__(self, sqlite: str, postgresql: str | None = None) -> None:
        self.sqlite = sqlite
        self.postgresql = (postgresql or sqlite).replace("?", "%s")


class Driver:
    """The driver connection under one SQLAlchemy connection."""

    __slots__ = ("conn", "raw", "error", "postgres", "observed")

    def __init__(self, conn) -> None:
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.error = conn.dialect.loaded_dbapi.Error
        self.postgres = conn.dialect.name == "postgresql"
        # the engine's statement events still see every statement (instrumentation, tests) listened
        # to before this driver's transaction began; an engine with events of other kinds only
        # (SQLite's `begin`) is not made to call empty lists. Asked once: asking on every statement
        # cost ~1-2 µs each, ten times a commit
        self.observed = listened(conn, "before_cursor_execute", "after_cursor_execute")

    def run(self, stmt: Sql, params: tuple | list | dict = ()) -> Any:
        """The driver's cursor after running `stmt` (its rows, rowcount)."""
        return self._run(stmt, params, many=False)

    def send(self, stmt: Sql, params: tuple | list | dict = ()) -> None:
        """Run `stmt`, whose answer nobody reads: on PostgreSQL with the next statement whose answer
        is needed, or with COMMIT, in one round trip (storage/pg_pipeline.py); its failure fails
        that round trip. On SQLite now."""
        if not self.postgres:
            self._run(stmt, params, many=False)
            return
        sql, conn = stmt.postgresql, self.conn
        if self.observed:
            conn.dispatch.before_cursor_execute(conn, self.raw.cursor(), sql, params, None, False)
        self.raw.tract_queue.append((sql, params))

    def rows(self, stmt: Sql, params: tuple | list | dict = ()) -> list[tuple]:
        """Every row of `stmt`, fetched here: a damaged page may fail the fetch rather than the
        statement, and that error too must reach the store as SQLAlchemy's (a StorageError)."""
        cursor = self.run(stmt, params)
        try:
            return cursor.fetchall()
        except self.error as err:
            raise self.failed(err, stmt.sqlite, params) from err

    def rows_together(self, statements: list[tuple[Sql, tuple | list | dict]]) -> list[list[tuple]]:
        """Every row of each of `statements` (statement, parameters), run in order: on PostgreSQL
        in one round trip, with the queued statements (see `send`)."""
        if not self.postgres:
            return [self.rows(stmt, params) for stmt, params in statements]
        pairs = [(stmt.postgresql, params) for stmt, params in statements]
        conn = self.conn
        if self.observed:
            for sql, params in pairs:
                conn.dispatch.before_cursor_execute(conn, self.raw.cursor(), sql, params, None, False)
        try:
            return [cursor.fetchall() for cursor in self.raw.execute_together(pairs)]
        except self.error as err:
            raise self.failed(err, pairs[0][0], pairs[0][1]) from err

    def run_many(self, stmt: Sql, rows: list) -> Any:
        """The driver's cursor after running `stmt` once per row (its rowcount: the rows' total)."""
        return self._run(stmt, rows, many=True)

    def _run(self, stmt: Sql, params: Any, many: bool) -> Any:
        sql = stmt.postgresql if self.postgres else stmt.sqlite
        conn, observed = self.conn, self.observed
        try:
            cursor = self.raw.cursor()
            if observed:
                conn.dispatch.before_cursor_execute(conn, cursor, sql, params, None, many)
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
        except self.error as err:
            raise self.failed(err, sql, params) from err
        if observed:
            conn.dispatch.after_cursor_execute(conn, cursor, sql, params, None, many)
        return cursor

    def failed(self, err: Exception, sql: str, params: Any) -> DBAPIError:
        """`err` as SQLAlchemy's error; a connection the driver lost (or closed on a timeout) is
        invalidated as SQLAlchemy does for its own statements, so the pool reconnects and the
        transaction's end does not fail again on the closed connection, hiding `err`."""
        lost = getattr(self.raw, "closed", False) or self.conn.dialect.is_disconnect(err, self.raw, None)
        if lost:
            self.conn.invalidate(err)
        out = wrapped(err, sql, params, self.error)
        out.connection_invalidated = bool(lost)
        return out


def listened(conn, *events: str) -> bool:
    """Whether any of the SQLAlchemy connection events `events` (e.g. "commit") has a listener on
    `conn` or its engine."""
    return (conn._has_events or conn.engine._has_events) and any(getattr(conn.dispatch, e) for e in events)


def wrapped(err: Exception, sql: str, params: Any, base: type[Exception]) -> DBAPIError:
    """A driver error as SQLAlchemy's (OperationalError, IntegrityError, … with `.orig`)."""
    return DBAPIError.instance(sql, params, err, base)


def run_raw(conn, sql: str) -> None:
    """One statement without parameters on a SQLAlchemy connection's driver connection."""
    Driver(conn).run(Sql(sql))

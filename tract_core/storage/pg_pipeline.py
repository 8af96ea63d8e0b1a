"""PostgreSQL: a transaction's statements in as few round trips as their answers allow.

psycopg sends a statement and waits for its answer, and begins a transaction with a BEGIN of its
own, answered before anything else goes: a commit's nine statements (BEGIN, the writers' lock, the
refs, the branch's lock, blob, commit, ref move, audit event, COMMIT) were nine round trips. Most of
those answers nobody reads. Such a statement is queued here (`Driver.send`) and goes out with the
next statement whose answer is needed, or with COMMIT, in one round trip (psycopg's pipeline mode).
The BEGIN is queued too: the connection is in psycopg's autocommit mode (psycopg sends no BEGIN of
its own) and a transaction's first queued statement is its BEGIN.

A queued statement that fails makes the round trip that carries it fail with its error, as the
statement itself would have (the transaction is then rolled back whole, as before). What decides
whether a transaction may commit (the ref still points where it did, the commit is new) is checked
by the server inside the statement, which fails when the check does (`refusal`), rather than by a
row count read after COMMIT has gone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tract_core.storage.timeouts import bounded_connection_class

IDLE = 0  # psycopg's TransactionStatus.IDLE

# the text a refusing statement casts to an integer, so that the server fails it with this message
_REFUSAL = re.compile(r'"tract refused: (.*)"')


def refusal(why: str) -> str | None:
    """What a statement built with `refuse_unless_one` refused, from its error's message; else None."""
    found = _REFUSAL.search(why)
    return found.group(1) if found else None


def refuse_unless_one(message_sql: str) -> str:
    """An SQL expression over a query's rows: 0 when there is exactly one, else it fails the
    statement with `message_sql` (an SQL text expression) in the error. Plain SQL has no RAISE,
    but casting a text that is not a number to an integer fails, naming the text. The text holds
    the row count (as nothing), so the planner cannot fold the cast, and fail, before the count is
    known (parameters are constants to it)."""
    return (f"CASE WHEN count(*) = 1 THEN 0 ELSE CAST('tract refused: ' || {message_sql} || "
            f"substr(CAST(count(*) AS VARCHAR), 1, 0) AS INTEGER) END")


READ_OPTION = "tract_pg_read"  # the execution option of a PostgreSQL read (see `begin_later`)


def begin_later(raw, options: dict) -> None:
    """Begin a transaction on the driver connection `raw` with its next round trip (the `begin`
    event of the PostgreSQL engine): a read (option READ_OPTION) sees one snapshot and cannot write
    (REPEATABLE READ, READ ONLY), as SQLAlchemy's isolation options would make it, without changing
    the connection's settings (and resetting them when it goes back to the pool)."""
    if options.get("isolation_level") == "AUTOCOMMIT" or raw.pgconn.transaction_status != IDLE:
        return
    if not raw.autocommit:  # psycopg sends no BEGIN of its own: kept so for the connection's life
        raw.autocommit = True
    raw.tract_queue.append((_READ_BEGIN if options.get(READ_OPTION) else _BEGIN, None))


_BEGIN = "BEGIN"
_READ_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


@lru_cache(maxsize=1)
def connection_class():
    """The psycopg connection of a PostgreSQL store: bounded waits (storage/timeouts.py) and the
    queue of statements sent with the next round trip (psycopg imported here, as there)."""
    import psycopg

    class QueueingCursor(psycopg.Cursor):
        """A cursor that sends the connection's queued statements before, and with, its own."""

        def execute(self, query, params=None, **kwargs):
            conn = self._conn
            if not conn.tract_queue:
                return super().execute(query, params, **kwargs)
            conn.execute_together([], last=(self, query, params, kwargs))
            return self

        def executemany(self, query, params_seq, **kwargs):
            self._conn.send_queued()
            return super().executemany(query, params_seq, **kwargs)

    class QueueingConnection(bounded_connection_class()):
        """Statements queued by `Driver.send` (SQL, parameters), sent with the next round trip."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.cursor_factory = QueueingCursor
            self.tract_queue: list[tuple[str, object]] = []

        def execute_together(self, statements: list[tuple[str, object]], last=None) -> list:
            """Run the queued statements, then `statements` (SQL, parameters), in one round trip
            (leaving pipeline mode sends a Sync and waits for every answer); the cursors of
            `statements`, holding their answers. `last`: a cursor's own execute, run after them."""
            queued, self.tract_queue = self.tract_queue, []
            cursors = []
            with self.pipeline():
                sender = psycopg.Cursor(self)
                for sql, values in queued:
                    sender.execute(sql, values)
                for sql, values in statements:
                    cursor = psycopg.Cursor(self)
                    cursor.execute(sql, values)
                    cursors.append(cursor)
                if last is not None:
                    cursor, sql, values, kwargs = last
                    psycopg.Cursor.execute(cursor, sql, values, **kwargs)
            return cursors

        def send_queued(self) -> None:
            """Send the queued statements now (one round trip), if any."""
            if self.tract_queue:
                self.execute_together([])

        def commit(self) -> None:
            if len(self.tract_queue) == 1 and self.tract_queue[0][0] in (_BEGIN, _READ_BEGIN):
                self.tract_queue = []  # a transaction that ran nothing: never begun
            elif self.tract_queue:  # the queued statements and COMMIT: one round trip
                self.cursor().execute("COMMIT")
            else:
                super().commit()

        def rollback(self) -> None:
            self.tract_queue = []  # never sent: nothing to undo
            super().rollback()

    return QueueingConnection

"""The statements a read makes on every compile, log and status, as fixed SQL for the driver.

Like the commit path's (storage/hot.py), each of these costs 40-60 µs through SQLAlchemy's
`Connection.execute` and a few µs on the driver; rows come back as plain tuples. The same tables and
columns as storage/schema.py; tests/storage run every one on both engines.
"""

from __future__ import annotations

from tract_core.storage.driver import Driver, Sql
from tract_core.storage.engine import RAW_READ  # in the connection's info while a read begun here is open
from tract_core.storage.rows import AnnotationRow

ANNOTATIONS_AFTER = Sql("SELECT id, commit_hash, priority, reason, branch, created_us FROM annotations "
                        "WHERE tract_id = ? AND id > ? ORDER BY id")

_ROW_COLUMNS = ("c.hash, c.tract_id, c.operation, c.edit_target, c.content_hash, c.message, c.meta, "
                "c.created_us, c.generation, b.content_type, b.body, b.token_count")
_COMMIT_COLUMNS = f"{_ROW_COLUMNS}, p.parent, p.position"
_WITH_CONTENT = ("LEFT JOIN blobs b ON b.hash = c.content_hash "
                 "LEFT JOIN commit_parents p ON p.child = c.hash WHERE c.tract_id = ?")
# the recursive step; PostgreSQL plans a plain join as a hash join over all of commit_parents at
# every step (quadratic), so there a LATERAL lookup fenced by OFFSET 0 (see Txn._parents_of)
_STEP = "FROM anc JOIN commit_parents q ON q.child = anc.h"
_STEP_PG = "FROM anc JOIN LATERAL (SELECT parent FROM commit_parents WHERE child = anc.h OFFSET 0) q ON true"
_COMMIT = "JOIN commits c ON c.hash = anc.h"
_COMMIT_PG = "JOIN LATERAL (SELECT * FROM commits WHERE hash = anc.h OFFSET 0) c ON true"


def _ancestors(step: str, commit: str, depth: bool) -> str:
    if not depth:
        return (f"WITH RECURSIVE anc(h) AS (SELECT CAST(? AS VARCHAR(64)) UNION SELECT q.parent {step}) "
                f"SELECT {_COMMIT_COLUMNS} FROM anc {commit} {_WITH_CONTENT}")
    return (f"WITH RECURSIVE walk(h, d) AS (SELECT CAST(? AS VARCHAR(64)), 0 UNION "
            f"SELECT q.parent, anc.d + 1 {step.replace('FROM anc', 'FROM walk anc')} WHERE anc.d < ?), "
            f"anc(h) AS (SELECT DISTINCT h FROM walk) "
            f"SELECT {_COMMIT_COLUMNS} FROM anc {commit} {_WITH_CONTENT}")


# every commit reachable from a head (params: head, tract), or within d steps (head, d, tract)
ANCESTORS = Sql(_ancestors(_STEP, _COMMIT, False), _ancestors(_STEP_PG, _COMMIT_PG, False))
ANCESTORS_WITHIN = Sql(_ancestors(_STEP, _COMMIT, True), _ancestors(_STEP_PG, _COMMIT_PG, True))
GET_COMMIT = Sql(f"SELECT {_COMMIT_COLUMNS} FROM commits c {_WITH_CONTENT} AND c.hash = ?")
# what a walk from a head reads at least (its generation + 1: a longest path back to a root) and
# what the tract holds: when they are close, reading the tract's commits is cheaper than the walk
REACH = Sql("SELECT (SELECT generation FROM commits WHERE hash = ? AND tract_id = ?), "
            "(SELECT count(*) FROM commits WHERE tract_id = ?)")
# a tract's commits with content, one row each, and their parents apart: joined in one statement
# every commit's row came back once per parent and was merged in Python (a third slower in all)
TRACT_COMMITS = Sql(f"SELECT {_ROW_COLUMNS} FROM commits c "
                    "LEFT JOIN blobs b ON b.hash = c.content_hash WHERE c.tract_id = ?")
# a tract's newest commits by creation time (params: tract, how many), and their parents: a walk of
# d steps back from a head that is among them reads its commits in an index range instead of
# looking each one up by its hash (half the page reads, in a store where they lie far apart).
# Ties in time go by rowid on SQLite (its index on (tract_id, created_us) ends with it: no sort)
# and by hash on PostgreSQL (its index holds the hash)
_NEWEST = "ORDER BY {p}created_us DESC, {p}{tie} DESC LIMIT ?"  # ties apart, the same way in both
NEWEST_COMMITS = Sql(*(f"SELECT {_ROW_COLUMNS} FROM commits c LEFT JOIN blobs b ON b.hash = c.content_hash "
                       f"WHERE c.tract_id = ? {_NEWEST.format(p='c.', tie=tie)}" for tie in ("rowid", "hash")))
NEWEST_PARENTS = Sql(*(f"SELECT p.child, p.position, p.parent FROM (SELECT hash FROM commits WHERE tract_id = ? "
                       f"{_NEWEST.format(p='', tie=tie)}) n JOIN commit_parents p ON p.child = n.hash"
                       for tie in ("rowid", "hash")))
TRACT_PARENTS = Sql("SELECT p.child, p.position, p.parent FROM commits c "
                    "JOIN commit_parents p ON p.child = c.hash WHERE c.tract_id = ?")
COUNT_PENDING = Sql("SELECT count(*) FROM pending_compressions WHERE tract_id = ? AND status = 'pending'")
_TAGS = "SELECT commit_hash, name FROM tags WHERE tract_id = ? AND commit_hash IN ({}) ORDER BY name"


def annotations_after(driver: Driver, tract_id: str, after_id: int) -> list[AnnotationRow]:
    return [AnnotationRow(*r) for r in driver.rows(ANNOTATIONS_AFTER, (tract_id, after_id))]


def tags_of(driver: Driver, tract_id: str, hashes: list[str]) -> list[tuple[str, str]]:
    """(commit, tag name) of those of `hashes` that have tags, by name."""
    return driver.rows(Sql(_TAGS.format(", ".join("?" * len(hashes)))), [tract_id, *hashes])


# --- SQLite's read transaction, on the driver -----------------------------------------------------
# Through SQLAlchemy a read's BEGIN and its end (the Transaction object, the `begin` event, the
# connection's options) cost more than the statements in it. A read on SQLite's held connection
# (storage/held.py) begins and ends on the driver; should a statement in it go through SQLAlchemy,
# SQLAlchemy's own transaction joins the open one (the `begin` event sees RAW_READ and sends no BEGIN).
_BEGIN = Sql("BEGIN")
_QUERY_ONLY = Sql("PRAGMA query_only=1")
_WRITABLE = Sql("PRAGMA query_only=0")


def begin_read(conn, wait_ms: int) -> Driver:
    """Begin a read-only transaction on `conn` (no SQLAlchemy transaction open on it): writes in it
    fail (query_only, as in every SQLite read), and a lock is waited for at most `wait_ms`."""
    return begin_on_driver(conn, wait_ms, query_only=1, begin=_BEGIN)


def begin_on_driver(conn, wait_ms: int, *, query_only: int, begin: Sql) -> Driver:
    """Send `begin` on the driver of `conn`, after the pragmas a transaction needs (`query_only`, the
    busy timeout `wait_ms`), each set only when it changes (storage/raw_writes.py begins writes so)."""
    driver = Driver(conn)
    info = conn.connection.info  # lives as long as the database connection (as engine.py's pragmas)
    if info.get("query_only") != query_only:
        driver.run(_QUERY_ONLY if query_only else _WRITABLE)
        info["query_only"] = query_only
    if info.get("busy_ms") != wait_ms:
        driver.run(Sql(f"PRAGMA busy_timeout={int(wait_ms)}"))
        info["busy_ms"] = wait_ms
    driver.run(begin)
    info[RAW_READ] = True
    return driver


def end_read(conn, driver: Driver) -> None:
    """End a read begun by `begin_read` (nothing to keep: it wrote nothing)."""
    if conn.invalidated or conn.closed:
        return
    conn.connection.info.pop(RAW_READ, None)
    if conn.in_transaction():  # a statement through SQLAlchemy joined it
        conn.rollback()
        return
    try:
        driver.raw.rollback()
    except driver.error as err:
        raise driver.failed(err, "ROLLBACK", ()) from err


def abandon_read(conn) -> None:
    """Forget a read begun by `begin_read` that failed; its connection is closed next (which rolls
    it back). An invalidated connection's info went with it."""
    if not (conn.invalidated or conn.closed):
        conn.connection.info.pop(RAW_READ, None)

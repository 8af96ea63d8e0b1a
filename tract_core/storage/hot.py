"""The statements every commit runs, as fixed SQL for the driver (see storage/driver.py).

The same tables and columns as storage/schema.py; tests/storage run every one on both engines.
"""

from __future__ import annotations

from tract_core.storage.driver import Driver, Sql
from tract_core.storage.pg_pipeline import refuse_unless_one
from tract_core.storage.rows import BlobRow, CommitRow
from tract_core.storage.search import search_words

WRITERS_LOCK = 7210532  # garbage collection against writers on PostgreSQL: see store.py
WRITERS_SHARED = Sql(f"SELECT pg_advisory_xact_lock_shared({WRITERS_LOCK}, hashtext(current_schema()))")
WRITERS_EXCLUSIVE = Sql(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK}, hashtext(current_schema()))")

LIST_REFS = Sql("SELECT name, commit_hash, symbolic FROM refs WHERE tract_id = ? ORDER BY name")
# PostgreSQL: writers of one branch queue on its row (SQLite's BEGIN IMMEDIATE holds the database)
LOCK_REF = Sql("SELECT commit_hash FROM refs WHERE tract_id = ? AND name = ?",
               "SELECT commit_hash FROM refs WHERE tract_id = ? AND name = ? FOR UPDATE")
# PostgreSQL: every ref of a tract, and the branch named (or, given NULL, the one HEAD is on) held
# against other writers with its tip's generation, in one statement (Txn.lock_branch). The row of the
# held branch comes last, with no symbolic and a held flag; its generation is NULL when the tip was
# committed after this statement's snapshot (it waited for the writer that committed it).
LOCK_BRANCH = Sql(
    "WITH held AS (SELECT name, commit_hash FROM refs WHERE tract_id = ? AND name = "
    "COALESCE(CAST(? AS VARCHAR), (SELECT symbolic FROM refs WHERE tract_id = ? AND name = 'HEAD')) FOR UPDATE) "
    "SELECT name, commit_hash, symbolic, CAST(NULL AS INTEGER), false FROM refs WHERE tract_id = ? "
    "UNION ALL SELECT h.name, h.commit_hash, NULL, (SELECT generation FROM commits WHERE hash = h.commit_hash), true "
    "FROM held h")
# PostgreSQL: a ref this transaction holds moved along (Txn.cas_ref), sent with the next round trip;
# should it not point at the old commit after all, the statement fails (storage/pg_pipeline.py)
MOVE_HELD_REF = Sql(
    "WITH u AS (UPDATE refs SET commit_hash = ? WHERE tract_id = ? AND name = ? "
    "AND commit_hash IS NOT DISTINCT FROM ? RETURNING 1) "
    "SELECT " + refuse_unless_one("'conflict: ref ' || CAST(? AS VARCHAR) || ' moved'") + " FROM u")
LOCK_ANNOTATIONS = Sql("SELECT pg_advisory_xact_lock(?, hashtext(current_schema() || '/' || ?))")
CAS_REF = Sql("UPDATE refs SET commit_hash = ? WHERE tract_id = ? AND name = ? AND commit_hash = ?")
CAS_REF_FROM_NONE = Sql("UPDATE refs SET commit_hash = ? WHERE tract_id = ? AND name = ? AND commit_hash IS NULL")
GENERATION = Sql("SELECT generation FROM commits WHERE hash = ? AND tract_id = ?")

INSERT_BLOB = Sql("INSERT INTO blobs (hash, content_type, body, token_count) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (hash) DO NOTHING")
# SQLite: a new blob's words in the contentless FTS5 index, under the blob's integer id (revision 0012)
INSERT_WORDS = Sql("INSERT INTO blob_fts (rowid, words) VALUES (?, ?)")
DELETE_WORDS = Sql("INSERT INTO blob_fts (blob_fts, rowid, words) VALUES ('delete', ?, ?)")
# PostgreSQL: the blob and its index row (a tsvector of the words as they are, storage/search.py) in
# one round trip; only a blob inserted now is indexed
PUT_BLOB_PG = Sql("WITH b AS (INSERT INTO blobs (hash, content_type, body, token_count) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (hash) DO NOTHING RETURNING hash) "
                  "INSERT INTO blob_search (hash, tsv) SELECT hash, array_to_tsvector(string_to_array(?, ' ')) "
                  "FROM b ON CONFLICT (hash) DO NOTHING")
INSERT_COMMIT = Sql("INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, message, meta, "
                    "created_us, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING")
INSERT_PARENT = Sql("INSERT INTO commit_parents (child, position, parent) VALUES (?, ?, ?)")
# PostgreSQL: a commit and its one parent in one round trip (the parent row only if the commit is new)
_NEW_COMMIT_PG = ("WITH c AS (INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, "
                  "message, meta, created_us, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT (hash) DO NOTHING RETURNING hash)")
_ITS_PARENT_PG = "INSERT INTO commit_parents (child, position, parent) SELECT hash, 0, ? FROM c"
INSERT_CHILD_PG = Sql(f"{_NEW_COMMIT_PG} {_ITS_PARENT_PG}")
# the same, sent with the next round trip: a commit that exists already fails the statement
INSERT_NEW_CHILD_PG = Sql(
    f"{_NEW_COMMIT_PG}, p AS ({_ITS_PARENT_PG}) "
    "SELECT " + refuse_unless_one("'commit ' || left(CAST(? AS VARCHAR), 12) || ' exists already'")
    + " FROM c")


def put_blob(driver: Driver, blob: BlobRow) -> None:
    """Insert a blob unless it exists, and index a new one for search (same transaction)."""
    words = search_words(blob.body) if blob.words is None else blob.words
    values = (blob.hash, blob.content_type, blob.body, blob.token_count)
    if driver.postgres:
        driver.send(PUT_BLOB_PG, (*values, words))
        return
    added = driver.run(INSERT_BLOB, values)
    if added.rowcount == 1:
        driver.run(INSERT_WORDS, (added.lastrowid, words))


def search_ids(driver: Driver, hashes: list[str]) -> list[tuple[int, str]]:
    """SQLite: (id, body) of those blobs that are stored (the id is the blob's rowid in the index)."""
    return _select_in(driver, "SELECT id, body FROM blobs", list(hashes))


def unindex_words(driver: Driver, search_id: int, words: str) -> None:
    driver.run(DELETE_WORDS, (search_id, words))


def insert_commit(driver: Driver, row: CommitRow) -> bool:
    """Insert a commit and its parents; False when a commit of that hash exists already (on
    PostgreSQL a commit of one parent goes with the next round trip, which that fails instead)."""
    values = (row.hash, row.tract_id, row.operation, row.edit_target, row.content_hash, row.message, row.meta,
              row.created_us, row.generation)
    if driver.postgres and len(row.parents) == 1:
        driver.send(INSERT_NEW_CHILD_PG, (*values, row.parents[0], row.hash))
        return True
    inserted = driver.run(INSERT_COMMIT, values).rowcount == 1
    if not inserted:
        return False
    if len(row.parents) == 1:
        driver.run(INSERT_PARENT, (row.hash, 0, row.parents[0]))
    elif row.parents:
        driver.run_many(INSERT_PARENT, [(row.hash, i, p) for i, p in enumerate(row.parents)])
    return True


# a batch (commit_many): each statement once over all its rows
INSERT_PARENT_BATCH = Sql("INSERT INTO commit_parents (child, position, parent) VALUES (?, ?, ?) "
                          "ON CONFLICT (child, position) DO NOTHING")


def put_blobs(driver: Driver, blobs: list[BlobRow]) -> None:
    """`put_blob` for a batch: the blobs not stored yet are inserted and indexed, a statement each
    over all of them."""
    new: dict[str, BlobRow] = {}
    for blob in blobs:
        new.setdefault(blob.hash, blob)
    for (stored,) in _select_in(driver, "SELECT hash FROM blobs", list(new)):
        del new[stored]
    if not new:
        return
    fresh = list(new.values())
    words = [search_words(b.body) if b.words is None else b.words for b in fresh]
    values = [(b.hash, b.content_type, b.body, b.token_count) for b in fresh]
    if driver.postgres:
        driver.run_many(PUT_BLOB_PG, [(*v, w) for v, w in zip(values, words)])
        return
    driver.run_many(INSERT_BLOB, values)
    ids = dict(_select_in(driver, "SELECT hash, id FROM blobs", list(new)))
    driver.run_many(INSERT_WORDS, [(ids[b.hash], w) for b, w in zip(fresh, words)])


def _select_in(driver: Driver, select: str, hashes: list[str]) -> list[tuple]:
    """The rows of `select` whose hash is one of `hashes` (500 at a time)."""
    rows: list[tuple] = []
    for i in range(0, len(hashes), 500):
        part = hashes[i:i + 500]
        rows += driver.rows(Sql(f"{select} WHERE hash IN ({', '.join('?' * len(part))})"), part)
    return rows


def insert_commits(driver: Driver, rows: list[CommitRow]) -> int:
    """`insert_commit` for a batch; the number of commits inserted (fewer when some existed)."""
    values = [(r.hash, r.tract_id, r.operation, r.edit_target, r.content_hash, r.message, r.meta,
               r.created_us, r.generation) for r in rows]
    if driver.postgres and all(len(r.parents) == 1 for r in rows):
        return driver.run_many(INSERT_CHILD_PG, [(*v, r.parents[0]) for v, r in zip(values, rows)]).rowcount
    inserted = driver.run_many(INSERT_COMMIT, values).rowcount
    parents = [(r.hash, i, p) for r in rows for i, p in enumerate(r.parents)]
    if parents:
        driver.run_many(INSERT_PARENT_BATCH, parents)
    return inserted


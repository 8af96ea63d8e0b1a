"""Search and tags: a full-text index over blob contents (SQLite FTS5, PostgreSQL tsvector + GIN),
filled for the blobs already stored; tags on commits; commits indexed newest first per tract.

Revision ID: 0006
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from tract_core.storage.search import search_words

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None
BATCH = 500
# the index rows as this revision's tables take them (revision 0010 changed SQLite's)
_PG_INDEX = sa.text("INSERT INTO blob_search (hash, tsv) VALUES (:h, array_to_tsvector(string_to_array(:w, ' '))) "
                    "ON CONFLICT (hash) DO NOTHING")
_SQLITE_INDEX = sa.text("INSERT INTO blob_search_ids (hash, words) VALUES (:h, :w) ON CONFLICT (hash) DO NOTHING")


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("commit_hash", sa.String(64), sa.ForeignKey("commits.hash", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tags_tract_name", "tags", ["tract_id", "name"])
    op.create_index("ix_commits_tract_created", "commits", ["tract_id", "created_us", "hash"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("CREATE TABLE blob_search (hash VARCHAR(64) PRIMARY KEY REFERENCES blobs (hash) "
                   "ON DELETE CASCADE, tsv tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_blob_search_tsv ON blob_search USING gin (tsv)")
    else:
        # an FTS5 index over a table of its own (external content): a blob's words under an INTEGER
        # PRIMARY KEY (which VACUUM keeps), going with the blob by cascade; triggers keep the index
        # in step, so indexing a blob is one INSERT
        op.execute("CREATE TABLE blob_search_ids (id INTEGER PRIMARY KEY, hash VARCHAR(64) NOT NULL "
                   "UNIQUE REFERENCES blobs (hash) ON DELETE CASCADE, words TEXT NOT NULL)")
        op.execute("CREATE VIRTUAL TABLE blob_fts USING fts5(words, content='blob_search_ids', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER blob_search_ids_added AFTER INSERT ON blob_search_ids BEGIN "
                   "INSERT INTO blob_fts (rowid, words) VALUES (new.id, new.words); END")
        op.execute("CREATE TRIGGER blob_search_ids_gone AFTER DELETE ON blob_search_ids BEGIN "
                   "INSERT INTO blob_fts (blob_fts, rowid, words) VALUES ('delete', old.id, old.words); END")
    _index_existing(conn)


def _index_existing(conn) -> None:
    """Index every blob already stored, a batch at a time (keyset paging on the hash)."""
    after = ""
    while True:
        rows = conn.execute(sa.text("SELECT hash, body FROM blobs WHERE hash > :a ORDER BY hash LIMIT :n"),
                            {"a": after, "n": BATCH}).all()
        for h, body in rows:
            conn.execute(_PG_INDEX if conn.dialect.name == "postgresql" else _SQLITE_INDEX,
                         {"h": h, "w": search_words(body)})
        if len(rows) < BATCH:
            return
        after = rows[-1][0]

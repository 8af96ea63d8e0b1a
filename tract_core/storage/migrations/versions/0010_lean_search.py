"""A leaner store: SQLite's full-text index keeps no copy of the words it indexes (a contentless FTS5
table keyed by the blob's integer id, instead of an external-content one over a table holding every
blob's words a second time), nor their positions (search matches words, not phrases); the
commits' (tract_id, hash) index goes (the primary key on the hash serves every lookup it served).

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"


def upgrade() -> None:
    op.drop_index("ix_commits_tract_hash", table_name="commits")
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's index is a tsvector column with a GIN index: no copy to drop
    op.execute("DROP TRIGGER blob_search_ids_added")
    op.execute("DROP TRIGGER blob_search_ids_gone")
    # the ids stay (they are the index's rowids); the words go into the index only
    op.execute("CREATE TABLE blob_search_keys (id INTEGER PRIMARY KEY, hash VARCHAR(64) NOT NULL UNIQUE "
               "REFERENCES blobs (hash) ON DELETE CASCADE)")
    op.execute("INSERT INTO blob_search_keys (id, hash) SELECT id, hash FROM blob_search_ids")
    # detail=none: search asks for words, each a token of its own (storage/search.py splits them), so
    # positions would be stored for nothing (column sizes stay: without them a contentless table
    # cannot be scanned, and `SELECT * FROM blob_fts` fails, as a dump of every table does)
    op.execute(f"CREATE VIRTUAL TABLE blob_words USING fts5(words, content='', detail=none, {TOKENIZE})")
    op.execute("INSERT INTO blob_words (rowid, words) SELECT id, words FROM blob_search_ids")
    op.execute("DROP TABLE blob_fts")
    op.execute("DROP TABLE blob_search_ids")
    op.execute("ALTER TABLE blob_search_keys RENAME TO blob_search_ids")
    op.execute("ALTER TABLE blob_words RENAME TO blob_fts")


def downgrade() -> None:
    op.create_index("ix_commits_tract_hash", "commits", ["tract_id", "hash"])
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    from tract_core.storage.search import search_words

    op.execute("CREATE TABLE blob_search_words (id INTEGER PRIMARY KEY, hash VARCHAR(64) NOT NULL UNIQUE "
               "REFERENCES blobs (hash) ON DELETE CASCADE, words TEXT NOT NULL)")
    rows = conn.exec_driver_sql("SELECT i.id, i.hash, b.body FROM blob_search_ids i JOIN blobs b ON b.hash = i.hash")
    for id_, h, body in rows.all():
        conn.exec_driver_sql("INSERT INTO blob_search_words (id, hash, words) VALUES (?, ?, ?)",
                             (id_, h, search_words(body)))
    op.execute("DROP TABLE blob_fts")
    op.execute("DROP TABLE blob_search_ids")
    op.execute("ALTER TABLE blob_search_words RENAME TO blob_search_ids")
    op.execute(f"CREATE VIRTUAL TABLE blob_fts USING fts5(words, content='blob_search_ids', content_rowid='id', "
               f"{TOKENIZE})")
    op.execute("INSERT INTO blob_fts (blob_fts) VALUES ('rebuild')")
    op.execute("CREATE TRIGGER blob_search_ids_added AFTER INSERT ON blob_search_ids BEGIN "
               "INSERT INTO blob_fts (rowid, words) VALUES (new.id, new.words); END")
    op.execute("CREATE TRIGGER blob_search_ids_gone AFTER DELETE ON blob_search_ids BEGIN "
               "INSERT INTO blob_fts (blob_fts, rowid, words) VALUES ('delete', old.id, old.words); END")

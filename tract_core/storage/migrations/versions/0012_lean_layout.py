"""A leaner layout: fewer B-trees written per commit, and fewer 64-hex keys repeated in them.

- SQLite: a blob's integer id is its row's own (`id INTEGER PRIMARY KEY`, which VACUUM keeps; the hash
  stays UNIQUE, the public name every foreign key points at), and the full-text index's rowid is that
  id: the `blob_search_ids` table and its index, two B-trees written for every new blob, go. Each blob
  keeps the id it had there, so the index needs no rebuild.
- SQLite: `commit_parents` is a WITHOUT ROWID table keyed by (child, position): the key's own index
  was a second copy of the table (rows of ~140 bytes, far under a tenth of a page).
- SQLite: the commits' index by tract and time leaves the hash out (64 bytes of every entry): a rowid
  finds it, and the rare commits of one microsecond are put in hash order by a sort of their own.
- Both engines: the commits-by-parent index goes (no query looks a commit's children up), and the
  index on `edit_target` holds only edits (the one query reading it asks for `edit_target = ?`).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_IS_EDIT = sa.text("edit_target IS NOT NULL")
_BLOBS = ("CREATE TABLE blobs (id INTEGER PRIMARY KEY, hash VARCHAR(64) NOT NULL UNIQUE, "
          "content_type VARCHAR(255) NOT NULL, body TEXT NOT NULL, token_count INTEGER NOT NULL)")
_BLOBS_0011 = ("CREATE TABLE blobs (hash VARCHAR(64) NOT NULL, content_type VARCHAR(255) NOT NULL, "
               "body TEXT NOT NULL, token_count INTEGER NOT NULL, PRIMARY KEY (hash))")
_PARENTS = ("CREATE TABLE {} (child VARCHAR(64) NOT NULL, position SMALLINT NOT NULL, parent VARCHAR(64) NOT NULL, "
            "PRIMARY KEY (child, position), FOREIGN KEY(child) REFERENCES commits (hash) ON DELETE CASCADE){}")


def upgrade() -> None:
    op.drop_index("ix_commit_parents_parent", table_name="commit_parents")
    op.drop_index("ix_commits_edit_target", table_name="commits")
    op.create_index("ix_commits_edit_target", "commits", ["edit_target"], sqlite_where=_IS_EDIT,
                    postgresql_where=_IS_EDIT)
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild_parents(" WITHOUT ROWID")
    op.drop_index("ix_commits_tract_created", table_name="commits")
    op.create_index("ix_commits_tract_created", "commits", ["tract_id", "created_us"])
    # blob ids as the index knows them; a blob the index lacks (none should) gets a new id and its words
    _rebuild_blobs("SELECT i.id, b.hash, b.content_type, b.body, b.token_count FROM blobs b "
                   "LEFT JOIN blob_search_ids i ON i.hash = b.hash", drop_first="blob_search_ids")
    conn = op.get_bind()
    _index(conn, conn.exec_driver_sql("SELECT b.id, b.body FROM blobs b JOIN blobs_copy o ON o.hash = b.hash "
                                      "WHERE o.id IS NULL").all())
    op.execute("DROP TABLE blobs_copy")


def downgrade() -> None:
    op.drop_index("ix_commits_edit_target", table_name="commits")
    op.create_index("ix_commits_edit_target", "commits", ["edit_target"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_parents("")
        op.drop_index("ix_commits_tract_created", table_name="commits")
        op.create_index("ix_commits_tract_created", "commits", ["tract_id", "created_us", "hash"])
        _rebuild_blobs("SELECT id, hash, content_type, body, token_count FROM blobs", drop_first=None,
                       create=_BLOBS_0011, columns="hash, content_type, body, token_count")
        op.execute("CREATE TABLE blob_search_ids (id INTEGER PRIMARY KEY, hash VARCHAR(64) NOT NULL UNIQUE "
                   "REFERENCES blobs (hash) ON DELETE CASCADE)")
        op.execute("INSERT INTO blob_search_ids (id, hash) SELECT id, hash FROM blobs_copy")
        op.execute("DROP TABLE blobs_copy")
    op.create_index("ix_commit_parents_parent", "commit_parents", ["parent"])


def _rebuild_parents(suffix: str) -> None:
    """commit_parents again with `suffix` (a child table: dropping it touches no other)."""
    op.execute(_PARENTS.format("commit_parents_new", suffix))
    op.execute("INSERT INTO commit_parents_new (child, position, parent) "
               "SELECT child, position, parent FROM commit_parents")
    op.execute("DROP TABLE commit_parents")
    op.execute("ALTER TABLE commit_parents_new RENAME TO commit_parents")


def _rebuild_blobs(rows: str, drop_first: str | None, create: str = _BLOBS,
                   columns: str = "id, hash, content_type, body, token_count") -> None:
    """blobs again as `create`, filled from `rows` (id, hash, content_type, body, token_count), which
    stay in `blobs_copy` for the caller to drop.

    Commits point at blobs.hash, and a migration runs in one transaction, where SQLite cannot turn
    foreign keys off. Deferred, they are counted instead: dropping `blobs` counts every commit whose
    blob went, and inserting the same hashes into the new `blobs` (a table of that name: a renamed one
    would not count) takes each count back; the transaction commits only with none left."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f"CREATE TABLE blobs_copy AS {rows}")
    if drop_first is not None:
        op.execute(f"DROP TABLE {drop_first}")
    op.execute("DROP TABLE blobs")
    op.execute(create)
    # explicit ids first, so an id made for a blob without one cannot take one of theirs
    op.execute(f"INSERT INTO blobs ({columns}) SELECT {columns} FROM blobs_copy ORDER BY id IS NULL, id")


def _index(conn, rows) -> None:
    from tract_core.storage.search import search_words

    for id_, body in rows:
        conn.exec_driver_sql("INSERT INTO blob_fts (rowid, words) VALUES (?, ?)", (id_, search_words(body)))

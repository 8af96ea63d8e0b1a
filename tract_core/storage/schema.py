"""The tables, as SQLAlchemy Core metadata. Migrations create them; queries use these objects."""

from __future__ import annotations

from sqlalchemy import (BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, MetaData, SmallInteger,
                        String, Table, Text)

metadata = MetaData()
H = String(64)  # sha256 hex

tracts = Table(
    "tracts", metadata,
    Column("id", String(255), primary_key=True),
    Column("created_us", BigInteger, nullable=False),
)

# SQLite (revision 0012): also `id INTEGER PRIMARY KEY`, the blob's rowid in the full-text index
# (storage/search.py), with the hash UNIQUE; raw SQL reads it (storage/hot.py)
blobs = Table(
    "blobs", metadata,
    Column("hash", H, primary_key=True),
    Column("content_type", String(255), nullable=False),
    Column("body", Text, nullable=False),
    Column("token_count", Integer, nullable=False),
)

commits = Table(
    "commits", metadata,
    Column("hash", H, primary_key=True),
    Column("tract_id", String(255), nullable=False),
    Column("operation", String(8), nullable=False),
    Column("edit_target", H, nullable=True),
    Column("content_hash", H, ForeignKey("blobs.hash"), nullable=True),
    Column("message", Text, nullable=True),
    Column("meta", Text, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("generation", Integer, nullable=False),
    Index("ix_commits_content", "content_hash"),
    Index("ix_commits_edit_target", "edit_target"),  # revision 0012: WHERE edit_target IS NOT NULL
    # revision 0006: search order; SQLite since revision 0012: (tract_id, created_us) alone
    Index("ix_commits_tract_created", "tract_id", "created_us", "hash"),
)

# SQLite: WITHOUT ROWID (revision 0012; before it, also an index on parent, which no query used)
commit_parents = Table(
    "commit_parents", metadata,
    Column("child", H, ForeignKey("commits.hash", ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    Column("parent", H, nullable=False),
)

refs = Table(
    "refs", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("commit_hash", H, nullable=True),
    Column("symbolic", String(255), nullable=True),
)

annotations = Table(
    "annotations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(255), nullable=False),
    Column("commit_hash", H, nullable=False),
    Column("priority", String(16), nullable=False),   # String(8) before revision 0008
    Column("reason", Text, nullable=True),
    Column("branch", String(255), nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_annotations_tract_id", "tract_id", "id"),
    Index("ix_annotations_commit", "commit_hash"),
)

content_types = Table(
    "content_types", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("json_schema", Text, nullable=False),
)

# --- revision 0002: audit and compression ---
operation_events = Table(
    "operation_events", metadata,
    Column("id", String(32), primary_key=True),
    Column("tract_id", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("branch", String(255), nullable=True),
    Column("params", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Column("results", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_events_tract_created", "tract_id", "created_us"),
)

pending_compressions = Table(
    "pending_compressions", metadata,
    Column("id", String(32), primary_key=True),
    Column("tract_id", String(255), nullable=False),
    Column("branch", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Index("ix_pending_tract_status", "tract_id", "status"),
)

compile_records = Table(
    "compile_records", metadata,
    Column("id", String(32), primary_key=True),
    Column("tract_id", String(255), nullable=False),
    Column("head", H, nullable=True),
    Column("entries", Text, nullable=False),
    Column("token_count", Integer, nullable=False),
    Column("messages_hash", H, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("request", Text, nullable=True),  # revision 0007: tools and settings sent (JSON)
    Index("ix_records_tract_created", "tract_id", "created_us"),
)

# --- revision 0003: idempotent writes for the MCP server ---
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("tool", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_idempotency_created", "created_us"),  # revision 0004
)

# --- revision 0005: compile snapshots ---
# The compile state at a commit, saved so a new process compiles a long history from one row plus
# the commits since, instead of re-reading and re-rendering all of it. A cache: the state at a
# commit never changes (commits are immutable), it can be dropped any time, and it goes with its
# commit (garbage collection deletes it by cascade).
compile_snapshots = Table(
    "compile_snapshots", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("head", H, ForeignKey("commits.hash", ondelete="CASCADE"), primary_key=True),
    Column("format", SmallInteger, nullable=False),
    Column("commits", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_snapshots_head", "head"),
    Index("ix_snapshots_tract_created", "tract_id", "created_us"),
)

# --- revision 0007: provider token counts ---
# The input tokens a provider reported for a compiled context beside tract's own count of it: later
# budgets of the tract are scaled by the ratio. Only the newest few per tract are kept.
usage_observations = Table(
    "usage_observations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tract_id", String(255), nullable=False),
    Column("record_id", String(32), nullable=True),
    Column("counted_tokens", Integer, nullable=False),
    Column("provider_tokens", Integer, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_usage_tract_id", "tract_id", "id"),
)

# --- revision 0006 (applied after 0007): tags; search's index tables depend on the engine (storage/search.py)
tags = Table(
    "tags", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("commit_hash", H, ForeignKey("commits.hash", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_tags_tract_name", "tract_id", "name"),
)


# --- revision 0008: policies and must-keep facts ---
# One row per policy kind of a tract: its options as JSON (see operations/policies.py).
policies = Table(
    "policies", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("options", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

# The facts a summary of an IMPORTANT commit must keep, as given to annotate (the latest wins):
# a JSON list of {"text": …} or {"regex": …}.
must_keep = Table(
    "must_keep", metadata,
    Column("tract_id", String(255), primary_key=True),
    Column("commit_hash", H, primary_key=True),
    Column("facts", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

"""Tables for teams of agents (revision 0009): sessions, which tracts belong to them, spawn links,
the task queue and the approvals queue. Every key leads with `session_id` or `tract_id`, so a
distributed PostgreSQL could shard each table on that column unchanged."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, column, table

from tract_core.storage.schema import metadata

ID = String(32)
NAME = String(255)

sessions = Table(
    "sessions", metadata,
    Column("session_id", NAME, primary_key=True),
    Column("title", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("ended_us", BigInteger, nullable=True),
    Index("ix_sessions_status_ended", "status", "ended_us"),
)

session_tracts = Table(
    "session_tracts", metadata,
    Column("session_id", NAME, primary_key=True),
    Column("tract_id", NAME, primary_key=True),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_session_tracts_tract", "tract_id"),
)

tract_links = Table(
    "tract_links", metadata,
    Column("tract_id", NAME, primary_key=True),       # the child
    Column("parent_tract", NAME, nullable=False),
    Column("parent_commit", String(64), nullable=True),
    Column("purpose", Text, nullable=False),
    Column("inherit", String(16), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("collapsed_us", BigInteger, nullable=True),
    Column("collapse_commit", String(64), nullable=True),
    Index("ix_tract_links_parent", "parent_tract"),
)

tasks = Table(
    "tasks", metadata,
    Column("session_id", NAME, primary_key=True),
    Column("id", ID, primary_key=True),
    Column("title", Text, nullable=False),
    Column("payload", Text, nullable=True),
    Column("to_worker", NAME, nullable=True),
    Column("parent_tract", NAME, nullable=True),
    Column("status", String(16), nullable=False),
    Column("worker", NAME, nullable=True),
    Column("worker_tract", NAME, nullable=True),
    Column("lease_until_us", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("result", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("idempotency_key", NAME, nullable=True),
    Column("key_created_us", BigInteger, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Index("ix_tasks_queue", "session_id", "status", "created_us"),
    Index("ux_tasks_key", "session_id", "idempotency_key", unique=True),
)

approvals = Table(
    "approvals", metadata,
    Column("tract_id", NAME, primary_key=True),
    Column("id", ID, primary_key=True),
    Column("session_id", NAME, nullable=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("preview", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("requested_by", NAME, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("decided_by", NAME, nullable=True),
    Column("decided_us", BigInteger, nullable=True),
    Column("reason", Text, nullable=True),
    Index("ix_approvals_tract_status", "tract_id", "status"),
    Index("ix_approvals_session_status", "session_id", "status"),
    Index("ix_approvals_id", "id"),
)

# operation_events gains three columns in 0009; named here without touching schema.py's table
events = table("operation_events", column("id"), column("tract_id"), column("kind"), column("branch"),
               column("params"), column("sources"), column("results"), column("created_us"),
               column("actor"), column("session_id"), column("trace_id"))

# bearer tokens for HTTP, scoped to tracts whose names match a pattern; only the hash is kept
access_tokens = Table(
    "access_tokens", metadata,
    Column("name", NAME, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("pattern", Text, nullable=False),
    Column("read_only", Integer, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

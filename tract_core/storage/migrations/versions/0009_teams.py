"""Teams of agents: sessions, session membership, spawn links, tasks, approvals, scoped access tokens; audit columns on
operation events (actor, session, trace id); views active_sessions and pending_approvals.

Revision ID: 0009
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = sa.String(255)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_id", NAME, primary_key=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("ended_us", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_sessions_status_ended", "sessions", ["status", "ended_us"])
    op.create_table(
        "session_tracts",
        sa.Column("session_id", NAME, primary_key=True),
        sa.Column("tract_id", NAME, primary_key=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_session_tracts_tract", "session_tracts", ["tract_id"])
    op.create_table(
        "tract_links",
        sa.Column("tract_id", NAME, primary_key=True),
        sa.Column("parent_tract", NAME, nullable=False),
        sa.Column("parent_commit", sa.String(64), nullable=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("inherit", sa.String(16), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("collapsed_us", sa.BigInteger, nullable=True),
        sa.Column("collapse_commit", sa.String(64), nullable=True),
    )
    op.create_index("ix_tract_links_parent", "tract_links", ["parent_tract"])
    op.create_table(
        "tasks",
        sa.Column("session_id", NAME, primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("to_worker", NAME, nullable=True),
        sa.Column("parent_tract", NAME, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("worker", NAME, nullable=True),
        sa.Column("worker_tract", NAME, nullable=True),
        sa.Column("lease_until_us", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("idempotency_key", NAME, nullable=True),
        sa.Column("key_created_us", sa.BigInteger, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tasks_queue", "tasks", ["session_id", "status", "created_us"])
    op.create_index("ux_tasks_key", "tasks", ["session_id", "idempotency_key"], unique=True)
    op.create_table(
        "approvals",
        sa.Column("tract_id", NAME, primary_key=True),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("session_id", NAME, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("preview", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("requested_by", NAME, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("decided_by", NAME, nullable=True),
        sa.Column("decided_us", sa.BigInteger, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_approvals_tract_status", "approvals", ["tract_id", "status"])
    op.create_index("ix_approvals_session_status", "approvals", ["session_id", "status"])
    op.create_index("ix_approvals_id", "approvals", ["id"])
    op.create_table(
        "access_tokens",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("pattern", sa.Text, nullable=False),
        sa.Column("read_only", sa.Integer, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("operation_events") as batch:
        batch.add_column(sa.Column("actor", NAME, nullable=True))
        batch.add_column(sa.Column("session_id", NAME, nullable=True))
        batch.add_column(sa.Column("trace_id", NAME, nullable=True))
    op.create_index("ix_events_session_created", "operation_events", ["session_id", "created_us"])
    op.execute("CREATE VIEW active_sessions AS SELECT * FROM sessions WHERE status = 'active'")
    op.execute("CREATE VIEW pending_approvals AS "
               "SELECT tract_id, id, session_id, kind, created_us FROM approvals WHERE status = 'pending' "
               "UNION ALL SELECT tract_id, id, NULL, 'compression', created_us "
               "FROM pending_compressions WHERE status = 'pending'")


def downgrade() -> None:
    op.execute("DROP VIEW pending_approvals")
    op.execute("DROP VIEW active_sessions")
    op.drop_index("ix_events_session_created", "operation_events")
    with op.batch_alter_table("operation_events") as batch:
        batch.drop_column("trace_id")
        batch.drop_column("session_id")
        batch.drop_column("actor")
    for name in ("access_tokens", "approvals", "tasks", "tract_links", "session_tracts", "sessions"):
        op.drop_table(name)

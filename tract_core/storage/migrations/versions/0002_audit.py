"""Operation events, pending compressions and compile records.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operation_events",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("branch", sa.String(255), nullable=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("results", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_events_tract_created", "operation_events", ["tract_id", "created_us"])
    op.create_table(
        "pending_compressions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("branch", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pending_tract_status", "pending_compressions", ["tract_id", "status"])
    op.create_table(
        "compile_records",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("head", sa.String(64), nullable=True),
        sa.Column("entries", sa.Text, nullable=False),
        sa.Column("token_count", sa.Integer, nullable=False),
        sa.Column("messages_hash", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_records_tract_created", "compile_records", ["tract_id", "created_us"])

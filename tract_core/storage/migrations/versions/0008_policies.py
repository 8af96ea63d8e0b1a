"""Policies and must-keep facts: per-tract policy rules, the facts an IMPORTANT commit's summary must
keep, and room for the `important` priority in annotations.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
        op.alter_column("annotations", "priority", type_=sa.String(16), existing_nullable=False)
    op.create_table(
        "policies",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "must_keep",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("commit_hash", sa.String(64), primary_key=True),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )

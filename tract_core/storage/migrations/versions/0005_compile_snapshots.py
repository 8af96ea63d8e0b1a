"""Compile snapshots: the compile state at a commit, so a cold compile reads one row, not the history.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compile_snapshots",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("head", sa.String(64), sa.ForeignKey("commits.hash", ondelete="CASCADE"), primary_key=True),
        sa.Column("format", sa.SmallInteger, nullable=False),
        sa.Column("commits", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_snapshots_head", "compile_snapshots", ["head"])
    op.create_index("ix_snapshots_tract_created", "compile_snapshots", ["tract_id", "created_us"])

"""Index idempotency keys by age, so expiring old keys on every write is not a table scan.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_us"])

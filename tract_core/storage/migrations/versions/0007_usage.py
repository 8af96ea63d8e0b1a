"""Provider token counts and what compile records sent besides messages.

`usage_observations`: input token counts a provider returned for a compiled context, beside tract's
own count, so later budgets are scaled by the observed ratio (and a reopened tract still knows it).
`compile_records.request`: the tools and settings a recorded compile carried (JSON), for `replay`.

Revision ID: 0007
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("compile_records", sa.Column("request", sa.Text, nullable=True))
    op.create_table(
        "usage_observations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("record_id", sa.String(32), nullable=True),
        sa.Column("counted_tokens", sa.Integer, nullable=False),
        sa.Column("provider_tokens", sa.Integer, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_usage_tract_id", "usage_observations", ["tract_id", "id"])

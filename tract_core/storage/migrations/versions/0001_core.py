"""Core tables: blobs, commits and their parents, refs, annotations, content types.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

H = sa.String(64)


def upgrade() -> None:
    op.create_table("tracts", sa.Column("id", sa.String(255), primary_key=True),
                    sa.Column("created_us", sa.BigInteger, nullable=False))
    op.create_table(
        "blobs",
        sa.Column("hash", H, primary_key=True),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("token_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "commits",
        sa.Column("hash", H, primary_key=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("operation", sa.String(8), nullable=False),
        sa.Column("edit_target", H, nullable=True),
        sa.Column("content_hash", H, sa.ForeignKey("blobs.hash"), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("meta", sa.Text, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.create_index("ix_commits_tract_hash", "commits", ["tract_id", "hash"])
    op.create_index("ix_commits_content", "commits", ["content_hash"])
    op.create_index("ix_commits_edit_target", "commits", ["edit_target"])
    op.create_table(
        "commit_parents",
        sa.Column("child", H, sa.ForeignKey("commits.hash", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.SmallInteger, primary_key=True),
        sa.Column("parent", H, nullable=False),
    )
    op.create_index("ix_commit_parents_parent", "commit_parents", ["parent"])
    op.create_table(
        "refs",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("commit_hash", H, nullable=True),
        sa.Column("symbolic", sa.String(255), nullable=True),
    )
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tract_id", sa.String(255), nullable=False),
        sa.Column("commit_hash", H, nullable=False),
        sa.Column("priority", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("branch", sa.String(255), nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_annotations_tract_id", "annotations", ["tract_id", "id"])
    op.create_index("ix_annotations_commit", "annotations", ["commit_hash"])
    op.create_table(
        "content_types",
        sa.Column("tract_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("json_schema", sa.Text, nullable=False),
    )

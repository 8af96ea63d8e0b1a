"""A leaner audit trail: the operation events' session index holds only the events made in a session.

Every commit call writes one event (revision 0009's audit trail); most are made outside any session,
and each still had an entry (NULL, time) in `ix_events_session_created`, about 20 bytes a commit on
disk. The index is now partial (`session_id IS NOT NULL`), which both engines use for the only query
that reads it (`session_id = ?`, storage/audit_log.py).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_IN_SESSION = sa.text("session_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_events_session_created", table_name="operation_events")
    op.create_index("ix_events_session_created", "operation_events", ["session_id", "created_us"],
                    sqlite_where=_IN_SESSION, postgresql_where=_IN_SESSION)


def downgrade() -> None:
    op.drop_index("ix_events_session_created", table_name="operation_events")
    op.create_index("ix_events_session_created", "operation_events", ["session_id", "created_us"])

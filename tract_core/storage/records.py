"""Queries for compile records: what a compile produced, kept so it can be replayed."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from tract_core.storage import schema as s
from tract_core.storage.rows import RecordRow
from tract_core.storage.store import Txn, now_us

_t = s.compile_records


def _row(r) -> RecordRow:
    return RecordRow(r.id, r.head, r.entries, r.token_count, r.messages_hash, r.created_us,
                     request=r.request)


def insert_record(tx: Txn, tract_id: str, record_id: str, head: str | None, entries: str,
                  token_count: int, messages_hash: str, request: str | None = None) -> None:
    tx.conn.execute(insert(_t).values(id=record_id, tract_id=tract_id, head=head, entries=entries,
                                      token_count=token_count, messages_hash=messages_hash,
                                      created_us=now_us(), request=request))


def get_record(tx: Txn, tract_id: str, record_id: str) -> RecordRow | None:
    r = tx.conn.execute(select(_t).where(_t.c.tract_id == tract_id, _t.c.id == record_id)).first()
    return _row(r) if r else None


def list_records(tx: Txn, tract_id: str) -> list[RecordRow]:
    return [_row(r) for r in tx.conn.execute(select(_t).where(_t.c.tract_id == tract_id))]


def delete_records(tx: Txn, tract_id: str, ids: list[str]) -> None:
    for i in range(0, len(ids), 500):
        tx.conn.execute(delete(_t).where(_t.c.tract_id == tract_id, _t.c.id.in_(ids[i:i + 500])))

"""Queries on scoped access tokens (stored as sha256 hashes, never in clear)."""

from __future__ import annotations

from sqlalchemy import delete, select

from tract_core.storage.store import Txn
from tract_core.storage.team_tables import access_tokens as K


def add(tx: Txn, name: str, token_hash: str, pattern: str, read_only: bool, now: int) -> bool:
    res = tx.conn.execute(tx._insert_ignore(K).values(name=name, token_hash=token_hash, pattern=pattern,
                                                      read_only=int(read_only), created_us=now).returning(K.c.name))
    return res.first() is not None


def by_hash(tx: Txn, token_hash: str):
    return tx.conn.execute(select(K).where(K.c.token_hash == token_hash)).first()


def all_tokens(tx: Txn) -> list:
    return list(tx.conn.execute(select(K.c.name, K.c.pattern, K.c.read_only, K.c.created_us).order_by(K.c.name)))


def revoke(tx: Txn, name: str) -> bool:
    return tx.conn.execute(delete(K).where(K.c.name == name)).rowcount == 1




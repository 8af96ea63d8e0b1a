"""Queries for policies (one row per kind of a tract) and must-keep facts (one row per commit)."""

from __future__ import annotations

from sqlalchemy import delete, select

from tract_core.storage import schema as s
from tract_core.storage.store import Txn, now_us

_p = s.policies
_m = s.must_keep


def save_policy(tx: Txn, tract_id: str, kind: str, options: str) -> None:
    tx._upsert(_p, {"tract_id": tract_id, "kind": kind}, {"options": options, "created_us": now_us()})


def list_policies(tx: Txn, tract_id: str) -> dict[str, str]:
    """kind -> options (JSON), in kind order."""
    rows = tx.conn.execute(select(_p.c.kind, _p.c.options).where(_p.c.tract_id == tract_id)
                           .order_by(_p.c.kind))
    return {r.kind: r.options for r in rows}


def delete_policy(tx: Txn, tract_id: str, kind: str) -> bool:
    res = tx.conn.execute(delete(_p).where(_p.c.tract_id == tract_id, _p.c.kind == kind))
    return res.rowcount == 1


def save_must_keep(tx: Txn, tract_id: str, commit_hash: str, facts: str) -> None:
    tx._upsert(_m, {"tract_id": tract_id, "commit_hash": commit_hash},
               {"facts": facts, "created_us": now_us()})


def must_keep_of(tx: Txn, tract_id: str, hashes: list[str]) -> dict[str, str]:
    """commit -> its must-keep facts (JSON), for those of `hashes` that have some."""
    if not hashes:
        return {}
    out: dict[str, str] = {}
    for i in range(0, len(hashes), 500):   # keep each IN list well under the engines' limits
        rows = tx.conn.execute(select(_m.c.commit_hash, _m.c.facts).where(
            _m.c.tract_id == tract_id, _m.c.commit_hash.in_(hashes[i:i + 500])))
        out.update({r.commit_hash: r.facts for r in rows})
    return out


def copy_must_keep(tx: Txn, tract_id: str, old: str, new: str) -> None:
    """A rewritten commit keeps the must-keep facts of the one it copies."""
    found = must_keep_of(tx, tract_id, [old])
    if old in found:
        save_must_keep(tx, tract_id, new, found[old])


def annotated_with_reason(tx: Txn, tract_id: str, reason: str, limit: int = 50) -> list[str]:
    """Commits annotated with `reason` (a policy's mark), newest first."""
    a = s.annotations.c
    rows = tx.conn.execute(select(a.commit_hash).where(a.tract_id == tract_id, a.reason == reason)
                           .order_by(a.id.desc()).limit(limit))
    return [r.commit_hash for r in rows]

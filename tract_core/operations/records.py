"""Compile records: what a compile produced (head, commits in order, tokens, a hash of the messages),
kept so `replay` can rebuild the exact messages later, after compression and gc."""

from __future__ import annotations

import json
import uuid

from tract_core.errors import RecordNotFoundError, StorageError
from tract_core.models.compiled import CompiledContext, Message
from tract_core.models.registry import canonical_json
from tract_core.operations.hashing import sha256_hex
from tract_core.operations.policies import restub
from tract_core.operations.render import render
from tract_core.operations.repo import Repo
from tract_core.storage import records as records_q


def messages_hash(messages: list[Message]) -> str:
    return sha256_hex(canonical_json([m.model_dump(mode="json") for m in messages]))


def save_record(repo: Repo, ctx: CompiledContext) -> CompiledContext:
    """Store a record of `ctx`; return `ctx` carrying its `record_id`."""
    record_id = uuid.uuid4().hex
    with repo.store.write() as tx:
        records_q.insert_record(tx, repo.tract_id, record_id, ctx.head, json.dumps(ctx.commit_hashes),
                                ctx.token_count, messages_hash(ctx.messages),
                                json.dumps(ctx.cleared) if ctx.cleared else None)
    return ctx.model_copy(update={"record_id": record_id})


def replay(repo: Repo, record_id: str) -> CompiledContext:
    """The messages a recorded compile produced, rebuilt from the store, byte for byte."""
    with repo.store.read() as tx:
        # an id holding NUL matches nothing (and PostgreSQL would refuse the query)
        found = isinstance(record_id, str) and "\x00" not in record_id
        rec = records_q.get_record(tx, repo.tract_id, record_id) if found else None
        if rec is None:
            raise RecordNotFoundError(f"no compile record {record_id!r} (it may have been garbage-"
                                      "collected after its retention); compile(record=True) makes one")
        hashes = json.loads(rec.entries)
        rows = tx.get_commits(repo.tract_id, hashes)
    missing = [h for h in hashes if h not in rows]
    if missing:
        raise RecordNotFoundError(f"compile record {record_id} needs commit {missing[0][:12]}, which "
                                  "was garbage-collected")
    messages = [render(json.loads(rows[h].body), h) for h in hashes]
    cleared = json.loads(rec.cleared) if rec.cleared else []
    if cleared:   # a clear_tool_results policy had put stubs there
        messages = restub(messages, set(cleared), {h: rows[h].token_count for h in cleared})
    if messages_hash(messages) != rec.messages_hash:
        raise StorageError(f"compile record {record_id} does not match the stored commits (hash mismatch)")
    return CompiledContext(messages=messages, token_count=rec.token_count, commit_hashes=hashes,
                           head=rec.head, record_id=rec.id, cleared=cleared)

"""Compile records: what a compile produced (head, commits in order, tokens, a hash of the messages),
kept so `replay` can rebuild the exact messages later, after compression and gc."""

from __future__ import annotations

import json
import uuid

from tract_core.errors import RecordNotFoundError, StorageError
from tract_core.models.compiled import CompiledContext, DroppedCommit, Message, Omission
from tract_core.models.registry import canonical_json
from tract_core.operations.hashing import sha256_hex
from tract_core.operations.refs import expand_id
from tract_core.operations.policies import restub
from tract_core.operations.render import render
from tract_core.operations.repo import Repo
from tract_core.storage import records as records_q


def messages_hash(messages: list[Message]) -> str:
    return sha256_hex(canonical_json([m.model_dump(mode="json") for m in messages]))


def _entries(ctx: CompiledContext) -> str:
    """The commits in order; with the rendered ids of reused tool-call ids, the omission note and
    the commits left out and the tool results a policy cleared, when there are any (then as an
    object: a bare list is what older records hold)."""
    call_ids = {m.commit_hash: c.id for m in ctx.messages for c in m.tool_calls if c.id in ctx.renamed_call_ids}
    call_ids.update((m.commit_hash, m.tool_call_id) for m in ctx.messages
                    if m.role == "tool" and m.tool_call_id in ctx.renamed_call_ids)
    if not call_ids and ctx.omitted is None and not ctx.dropped and not ctx.cleared:
        return json.dumps(list(ctx.commit_hashes))
    return json.dumps({"commits": list(ctx.commit_hashes), "call_ids": call_ids,
                       "omitted": ctx.omitted.model_dump() if ctx.omitted else None,
                       "dropped": [[d.commit, d.reason] for d in ctx.dropped], "cleared": ctx.cleared})


def save_record(repo: Repo, ctx: CompiledContext) -> CompiledContext:
    """Store a record of `ctx`; return `ctx` carrying its `record_id`."""
    record_id = uuid.uuid4().hex
    with repo.store.write() as tx:
        records_q.insert_record(tx, repo.tract_id, record_id, ctx.head, _entries(ctx),
                                ctx.token_count, messages_hash(ctx.messages), _request_json(ctx))
    return ctx.model_copy(update={"record_id": record_id})


def _request_json(ctx: CompiledContext) -> str | None:
    """What the compile sent besides messages, kept verbatim: the commits it came from may be
    garbage-collected, and a record must replay what was sent."""
    if not ctx.tools and ctx.settings is None:
        return None
    return canonical_json({"tools": [t.model_dump(mode="json") for t in ctx.tools],
                           "settings": ctx.settings.model_dump(mode="json") if ctx.settings else None})


def _with_call_id(m: Message, call_id: str | None) -> Message:
    if call_id is None:
        return m
    if m.role == "tool":
        return m.model_copy(update={"tool_call_id": call_id})
    return m.model_copy(update={"tool_calls": [c.model_copy(update={"id": call_id}) for c in m.tool_calls]})


def replay(repo: Repo, record_id: str) -> CompiledContext:
    """The messages a recorded compile produced, rebuilt from the store, byte for byte."""
    with repo.store.read() as tx:
        # an id holding NUL matches nothing (and PostgreSQL would refuse the query)
        record_id = expand_id(tx, repo.tract_id, "record", record_id)
        found = isinstance(record_id, str) and "\x00" not in record_id
        rec = records_q.get_record(tx, repo.tract_id, record_id) if found else None
        if rec is None:
            raise RecordNotFoundError(f"no compile record {record_id!r} (it may have been garbage-"
                                      "collected after its retention); compile(record=True) makes one")
        entries = json.loads(rec.entries)
        if isinstance(entries, list):
            entries = {"commits": entries}
        hashes, call_ids = entries["commits"], entries.get("call_ids") or {}
        rows = tx.get_commits(repo.tract_id, hashes)
    missing = [h for h in hashes if h not in rows]
    if missing:
        raise RecordNotFoundError(f"compile record {record_id} needs commit {missing[0][:12]}, which "
                                  "was garbage-collected")
    messages = [_with_call_id(render(json.loads(rows[h].body), h), call_ids.get(h)) for h in hashes]
    cleared = entries.get("cleared") or []
    if cleared:   # a clear_tool_results policy had put stubs there
        messages = restub(messages, set(cleared), {h: rows[h].token_count for h in cleared})
    if messages_hash(messages) != rec.messages_hash:
        raise StorageError(f"compile record {record_id} does not match the stored commits (hash mismatch)")
    stored_ids = {rid: json.loads(rows[h].body)["call_id"] for h, rid in call_ids.items()}
    omitted = Omission(**entries["omitted"]) if entries.get("omitted") else None
    dropped = [DroppedCommit(commit=h, reason=why) for h, why in entries.get("dropped", [])]
    request = json.loads(rec.request) if rec.request else {}
    return CompiledContext(messages=messages, token_count=rec.token_count, commit_hashes=hashes,
                           head=rec.head, record_id=rec.id, renamed_call_ids=stored_ids, omitted=omitted,
                           dropped=dropped, tools=request.get("tools") or [], settings=request.get("settings"),
                           cleared=cleared)

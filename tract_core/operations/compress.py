"""Compression: propose summaries for a range of commits, review them, apply, undo.

Flow: `make_plan` picks the range and its summary groups (read transaction), the summarizer writes
the texts (no transaction open: it may call an LLM), then one write transaction either stores a
pending proposal (collaborative) or rewrites the branch (autonomous, manual, approve).

A summary is a `dialogue` commit with role "user" whose text starts with SUMMARY_HEADER, and whose
metadata `{"compression": {"sources": [...]}}` names the commits it replaces. User role because the
summary reports what happened from outside the conversation, and because the Messages API wants
the first turn after the system prompt to be a user turn. The replaced commits stay in the store,
named by the operation event (which gc keeps, see `operations/gc.py`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from prompts import build_summarize_prompt
from tract_core.compression.facts import extract_facts, missing_facts
from tract_core.compression.summarizers import ManualSummarizer, resolve_summarizer, summarize_checked
from tract_core.errors import (CompressionError, CompressionNotFoundError, InvalidOperationError,
                               StaleCompressionError)
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.operations.committing import check_text, prepare_blob
from tract_core.operations.compress_plan import Plan, check_later, locate, make_plan
from tract_core.operations.events import record_event
from tract_core.operations.refs import RefView
from tract_core.operations.render import count_tokens, token_text
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import Rewriter, latest_annotations, read_chain, retry_lost_race
from tract_core.storage import Txn
from tract_core.storage import pending as pending_q

MODES = ("collaborative", "autonomous", "manual")
SUMMARY_HEADER = "[Summary of earlier context]\n"


def summary_content(text: str) -> dict[str, Any]:
    return {"content_type": "dialogue", "role": "user", "text": SUMMARY_HEADER + text}


def _tokens(repo: Repo, text: str | None) -> int:
    return count_tokens(summary_content(text), repo.counter) if text else 0


def _split_targets(plan: Plan, target_tokens: int | None) -> list[int | None]:
    if target_tokens is None:
        return [None] * len(plan.groups)
    sizes = [sum(r.token_count for r in rows) for rows in plan.group_rows]
    total = sum(sizes) or 1
    return [max(1, round(target_tokens * s / total)) for s in sizes]


def compress(repo: Repo, summarizer: Any, *, commits: Sequence[str] | None = None,
             from_commit: str | None = None, to_commit: str | None = None,
             target_tokens: int | None = None, instructions: str | None = None,
             mode: str = "collaborative", content: str | Sequence[str] | None = None,
             deferred: bool = False, branch: str | None = None) -> PendingCompression | CompressResult:
    if mode not in MODES:
        raise InvalidOperationError(f"unknown compression mode {mode!r}; use one of: {', '.join(MODES)}")
    if target_tokens is not None and (not isinstance(target_tokens, int) or target_tokens <= 0):
        raise InvalidOperationError("target_tokens must be a positive number of tokens")
    if mode == "manual" and content is None:
        raise CompressionError("mode='manual' takes the summary from content=; give the text "
                               "(or one text per summary group)")
    if content is not None and not (isinstance(content, str) or (
            isinstance(content, (list, tuple)) and all(isinstance(c, str) for c in content))):
        raise CompressionError("content= takes the summary text, or a list of texts (one per group)")
    check_text(instructions, "instructions", CompressionError)
    if deferred and (mode != "collaborative" or content is not None):
        raise CompressionError("deferred=True makes a pending compression whose summaries come at "
                               "approval; it needs mode='collaborative' and no content=")
    with repo.store.read() as tx:
        plan = make_plan(tx, repo, commits, from_commit, to_commit, branch)
    infos = [[repo.info(r) for r in rows] for rows in plan.group_rows]
    targets = _split_targets(plan, target_tokens)
    prompts: list[str] = []
    if deferred:
        summaries: list[str | None] = [None] * len(infos)
        prompts = [build_summarize_prompt(c, t, instructions) for c, t in zip(infos, targets)]
    else:
        writer = ManualSummarizer(content) if content is not None else resolve_summarizer(summarizer)
        summaries = [summarize_checked(writer, c, target_tokens=t, instructions=instructions)
                     for c, t in zip(infos, targets)]
        if content is not None and not isinstance(content, str) and len(content) != len(summaries):
            raise CompressionError(f"content= gave {len(content)} summaries; this range needs "
                                   f"{len(summaries)} (one per group between PINNED commits)")
    facts = [f for rows in plan.group_rows for r in rows
             for f in extract_facts(token_text(json.loads(r.body)))]
    data = {
        "range": plan.range, "items": plan.items, "groups": plan.groups, "kept": plan.kept,
        "summaries": summaries, "prompts": prompts, "facts": list(dict.fromkeys(facts)),
        "original_tokens": plan.original_tokens, "kept_tokens": plan.kept_tokens,
        "base_head": plan.base_head, "mode": mode, "target_tokens": target_tokens,
        "instructions": instructions,
    }
    if mode == "collaborative":
        pending_id = uuid.uuid4().hex
        with repo.store.write() as tx:
            pending_q.insert_pending(tx, repo.tract_id, pending_id, plan.branch, json.dumps(data))
            record_event(tx, repo, "compress", plan.branch,
                         {"mode": mode, "pending": pending_id, "applied": False}, plan.range, [])
            return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))
    blobs = [prepare_blob(repo, summary_content(s)) for s in summaries]

    def write() -> CompressResult:
        with repo.store.write() as tx:
            return apply(tx, repo, plan.branch, data, blobs, kind="compress", pending_id=None)
    return retry_lost_race(write)


def apply(tx: Txn, repo: Repo, branch: str, data: dict, blobs: list, *, kind: str,
          pending_id: str | None) -> CompressResult:
    """Rewrite `branch`: the range becomes the summaries and kept commits, later commits re-applied."""
    rng, groups = data["range"], data["groups"]
    tip = RefView.read(tx, repo.tract_id).branch_head(branch)
    chain = read_chain(tx, repo, tip)
    i = locate(chain, rng, branch)
    check_later(chain, i + len(rng), set(rng) - set(data["kept"]), StaleCompressionError)
    base = chain.rows[chain.order[i - 1]] if i > 0 else None
    rw = Rewriter(tx, repo, branch, base, latest_annotations(tx, repo))
    for item in data["items"]:
        if "summary" in item:
            k = item["summary"]
            rw.add(blobs[k], f"summary of {len(groups[k])} commits",
                   {"compression": {"sources": groups[k]}})
        else:
            rw.copy(chain.rows[item["keep"]], chain.rows)
    results = list(rw.made)
    later = chain.order[i + len(rng):]
    for h in later:
        rw.copy(chain.rows[h], chain.rows)
    new_head = rw.move_branch(tip)
    compressed = sum(b.token_count for b in blobs) + data["kept_tokens"]
    original = data["original_tokens"]
    event_id = record_event(tx, repo, kind, branch, {
        "mode": data["mode"], "pending": pending_id, "applied": True, "old_head": tip,
        "new_head": new_head, "copies": rw.copies, "target_tokens": data.get("target_tokens"),
        "instructions": data.get("instructions"), "original_tokens": original,
        "compressed_tokens": compressed}, rng, results)
    return CompressResult(event_id=event_id, branch=branch, original_tokens=original,
                          compressed_tokens=compressed,
                          ratio=round(compressed / original, 4) if original else 0.0,
                          source_hashes=rng, result_hashes=results, new_head=new_head,
                          pending_id=pending_id, reapplied={h: rw.copies[h] for h in later})


def to_model(repo: Repo, row) -> PendingCompression:
    data = json.loads(row.data)
    summaries = data["summaries"]
    joined = "\n".join(s for s in summaries if s)
    return PendingCompression(
        id=row.id, branch=row.branch, status=row.status, mode=data["mode"], source_hashes=data["range"],
        groups=data["groups"], kept=data["kept"], summaries=summaries, prompts=data.get("prompts", []),
        original_tokens=data["original_tokens"], summary_tokens=sum(_tokens(repo, s) for s in summaries),
        lost_facts=missing_facts(data["facts"], joined), base_head=data["base_head"],
        target_tokens=data.get("target_tokens"), instructions=data.get("instructions"),
        reason=data.get("reason"), event_id=data.get("event_id"),
        created_at=datetime.fromtimestamp(row.created_us / 1e6, tz=timezone.utc))


def _load(tx: Txn, repo: Repo, pending_id: str):
    # an id holding NUL matches nothing (and PostgreSQL would refuse the query)
    found = isinstance(pending_id, str) and "\x00" not in pending_id
    row = pending_q.get_pending(tx, repo.tract_id, pending_id) if found else None
    if row is None:
        raise CompressionNotFoundError(f"no pending compression {pending_id!r}; pending_compressions() "
                                       "(the `pending` tool over MCP) lists them")
    if row.status != "pending":
        raise CompressionError(f"compression {pending_id} was already {row.status}")
    return row, json.loads(row.data)


def list_pending(repo: Repo) -> list[PendingCompression]:
    with repo.store.read() as tx:
        return [to_model(repo, r) for r in pending_q.list_pending(tx, repo.tract_id)]


def edit_summary(repo: Repo, pending_id: str, i: int, text: str) -> PendingCompression:
    if not isinstance(text, str) or not text.strip():
        raise CompressionError("a summary cannot be empty")
    with repo.store.write() as tx:
        row, data = _load(tx, repo, pending_id)
        if not isinstance(i, int) or not 0 <= i < len(data["summaries"]):
            raise InvalidOperationError(f"summary index {i!r} out of range: this compression has "
                                        f"{len(data['summaries'])} (0-based)")
        data["summaries"][i] = text.strip()
        pending_q.update_pending(tx, repo.tract_id, pending_id, "pending", json.dumps(data))
        return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))


def approve(repo: Repo, pending_id: str, summaries: Sequence[str] | None = None) -> CompressResult:
    with repo.store.read() as tx:
        _, data = _load(tx, repo, pending_id)
    if summaries is not None and not isinstance(summaries, (list, tuple)):
        raise CompressionError("summaries= takes a list of texts, one per summary group")
    final = list(summaries) if summaries is not None else data["summaries"]
    if len(final) != len(data["groups"]):
        raise CompressionError(f"this compression needs {len(data['groups'])} summaries (one per "
                               f"group between PINNED commits), got {len(final)}")
    if any(not isinstance(s, str) or not s.strip() for s in final):
        raise CompressionError("a summary is missing: write one per group (its `prompts` say what "
                               "each covers) and pass them when approving: "
                               "approve_compression(id, summaries=[...]) in Python, "
                               "approve(id, summary=[...]) over MCP")
    data["summaries"] = [s.strip() for s in final]
    blobs = [prepare_blob(repo, summary_content(s)) for s in data["summaries"]]

    def write() -> CompressResult:
        with repo.store.write() as tx:
            row, _ = _load(tx, repo, pending_id)
            result = apply(tx, repo, row.branch, data, blobs, kind="approve", pending_id=pending_id)
            data["event_id"] = result.event_id
            if not pending_q.update_pending(tx, repo.tract_id, pending_id, "approved", json.dumps(data)):
                raise CompressionError(f"compression {pending_id} was approved or rejected meanwhile")
            return result
    return retry_lost_race(write)


def reject(repo: Repo, pending_id: str, reason: str | None = None) -> PendingCompression:
    check_text(reason, "reason", CompressionError)
    with repo.store.write() as tx:
        row, data = _load(tx, repo, pending_id)
        data["reason"] = reason
        if not pending_q.update_pending(tx, repo.tract_id, pending_id, "rejected", json.dumps(data)):
            raise CompressionError(f"compression {pending_id} was approved or rejected meanwhile")
        record_event(tx, repo, "reject", row.branch, {"pending": pending_id, "reason": reason},
                     data["range"], [])
        return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))

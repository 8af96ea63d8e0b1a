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

from prompts import build_summarize_prompt, with_must_keep
from tract_core.compression.facts import capitalized_mid_sentence, find_facts, missing_facts, normalize
from tract_core.compression.summarizers import ManualSummarizer, resolve_summarizer, summarize_checked
from tract_core.errors import (CompressionError, CompressionNotFoundError, FactsLostError,
                               InvalidOperationError, StaleCompressionError)
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.operations import must_keep
from tract_core.operations.committing import check_size, check_text, prepare_blob
from tract_core.operations.compress_plan import Plan, check_later, locate, make_plan
from tract_core.operations.actors import current
from tract_core.operations.compress_decision import fact_of
from tract_core.operations import compress_decision
from tract_core.operations.events import record_event
from tract_core.operations.refs import RefView, branch_ref, expand_id
from tract_core.operations.render import count_tokens, token_text, tool_key
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import Rewriter, latest_annotations, read_chain, retry_lost_race
from tract_core.storage import Txn
from tract_core.storage import pending as pending_q

MODES = ("collaborative", "autonomous", "manual")
MUST_KEEP_RETRIES = 2   # times a summarizer is asked again, naming the must-keep facts it left out
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
             deferred: bool = False, branch: str | None = None,
             force: bool = False, policy: str | None = None) -> PendingCompression | CompressResult:
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
    check_size(repo, instructions, "instructions")
    if deferred and (mode != "collaborative" or content is not None):
        raise CompressionError("deferred=True makes a pending compression whose summaries come at "
                               "approval; it needs mode='collaborative' and no content=")
    with repo.store.read() as tx:
        plan = make_plan(tx, repo, commits, from_commit, to_commit, branch)
        rows = {h: r for hs, rs in zip(plan.groups, plan.group_rows) for h, r in zip(hs, rs)}
        guards = must_keep.guard(tx, repo.tract_id, {h: (k, rows[h]) for h, k in plan.important.items()})
    infos = [[repo.info(r) for r in rows] for rows in plan.group_rows]
    targets = _split_targets(plan, target_tokens)
    asks = [with_must_keep(instructions, f) for f in must_keep.facts_by_group(guards, len(infos))]
    prompts: list[str] = []
    if deferred:
        summaries: list[str | None] = [None] * len(infos)
        prompts = [build_summarize_prompt(c, t, a) for c, t, a in zip(infos, targets, asks)]
    else:
        writer = ManualSummarizer(content) if content is not None else resolve_summarizer(summarizer)
        summaries = [summarize_checked(writer, c, target_tokens=t, instructions=a)
                     for c, t, a in zip(infos, targets, asks)]
        if content is not None and not isinstance(content, str) and len(content) != len(summaries):
            raise CompressionError(f"content= gave {len(content)} summaries; this range needs "
                                   f"{len(summaries)} (one per group between PINNED commits)")
    data = {
        "range": plan.range, "items": plan.items, "groups": plan.groups, "kept": plan.kept,
        "summaries": summaries, "prompts": prompts, "facts": _source_facts(rows.values()),
        "original_tokens": plan.original_tokens, "kept_tokens": plan.kept_tokens,
        "base_head": plan.base_head, "mode": mode, "target_tokens": target_tokens,
        "instructions": instructions, "must_keep": guards, "policy": policy, "requested_by": current()[0],
    }
    if mode == "collaborative":
        pending_id = uuid.uuid4().hex
        with repo.store.write() as tx:
            if policy is not None:   # a policy keeps at most one proposal per branch, across processes
                tx.lock_ref(repo.tract_id, branch_ref(plan.branch))
                waiting = [p for p in pending_q.list_pending(tx, repo.tract_id) if p.branch == plan.branch]
                if waiting:
                    return to_model(repo, waiting[0])
            pending_q.insert_pending(tx, repo.tract_id, pending_id, plan.branch, json.dumps(data))
            record_event(tx, repo, "compress", plan.branch,
                         {"mode": mode, "pending": pending_id, "applied": False, **_policy_param(data)},
                         plan.range, [])
            return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))
    lost = must_keep.missing(guards, summaries)
    if lost and content is None:   # a summarizer wrote it: ask again, naming what it left out
        lost = _ask_again(writer, infos, targets, asks, guards, summaries, lost)
        if lost:   # rather than lose them, keep those IMPORTANT commits verbatim beside the summary
            tools = {h: tool_key(json.loads(r.body)) for h, r in rows.items()}
            must_keep.keep_verbatim(data, rows, list(lost), tools)
            lost = {}
    if lost and not force:
        raise facts_lost_error(lost)
    data["must_keep_lost"] = must_keep.flat(lost)
    data["forced"] = bool(lost)
    blobs = [prepare_blob(repo, summary_content(s)) for s in summaries]

    def write() -> CompressResult:
        with repo.store.write() as tx:
            return apply(tx, repo, plan.branch, data, blobs, kind="compress", pending_id=None)
    return retry_lost_race(write)


def _source_facts(rows) -> list[dict]:
    """The facts of the commits a compression replaces (one entry per fact, first commit wins)."""
    texts = [(r.hash, token_text(json.loads(r.body))) for r in rows]
    names = capitalized_mid_sentence(text for _, text in texts)
    facts: dict[str, dict] = {}
    for commit, text in texts:
        for f in find_facts(text, commit, names):
            facts.setdefault(normalize(f.text), f.model_dump())
    return list(facts.values())


def _ask_again(writer, infos, targets, asks, guards, summaries, lost) -> dict[str, list[str]]:
    """Rewrite the summaries that lack must-keep facts, naming those facts, up to MUST_KEEP_RETRIES
    times; returns what is still missing (`summaries` is updated in place)."""
    for _ in range(MUST_KEEP_RETRIES):
        for k, named in enumerate(must_keep.facts_by_group(guards, len(infos), only=lost)):
            if named:
                summaries[k] = summarize_checked(writer, infos[k], target_tokens=targets[k],
                                                 instructions=with_must_keep(asks[k], named, missing=True))
        lost = must_keep.missing(guards, summaries)
        if not lost:
            break
    return lost


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
        "compressed_tokens": compressed, **_must_keep_params(data)}, rng, results)
    return CompressResult(event_id=event_id, branch=branch, original_tokens=original,
                          compressed_tokens=compressed,
                          ratio=round(compressed / original, 4) if original else 0.0,
                          source_hashes=rng, result_hashes=results, new_head=new_head,
                          pending_id=pending_id, reapplied={h: rw.copies[h] for h in later})


def _policy_param(data: dict) -> dict:
    return {"policy": data["policy"]} if data.get("policy") else {}


def _must_keep_params(data: dict) -> dict:
    """What the audit event says about must-keep facts: those lost by force, those kept verbatim."""
    out = _policy_param(data)
    if data.get("forced"):
        out["forced"] = True
        out["must_keep_lost"] = data.get("must_keep_lost", [])
    if data.get("kept_verbatim"):
        out["kept_verbatim"] = data["kept_verbatim"]
    return out


def facts_lost_error(lost: dict[str, list[str]]) -> FactsLostError:
    facts = must_keep.flat(lost)
    shown = "; ".join(repr(f) for f in facts[:8]) + ("…" if len(facts) > 8 else "")
    return FactsLostError(f"the summary leaves out must-keep facts of IMPORTANT commits "
                          f"{', '.join(h[:12] for h in lost)}: {shown}; add them to the summary, "
                          "or pass force=True to apply it anyway (recorded in the audit event)", facts)


def to_model(repo: Repo, row) -> PendingCompression:
    data = json.loads(row.data)
    summaries = data["summaries"]
    joined = "\n".join(s for s in summaries if s)
    return PendingCompression(
        id=row.id, branch=row.branch, status=row.status, mode=data["mode"], source_hashes=data["range"],
        groups=data["groups"], kept=data["kept"], summaries=summaries, prompts=data.get("prompts", []),
        original_tokens=data["original_tokens"], summary_tokens=sum(_tokens(repo, s) for s in summaries),
        lost_facts=missing_facts([fact_of(f) for f in data["facts"]], joined),
        must_keep_lost=must_keep.flat(must_keep.missing(data.get("must_keep", []), summaries)),
        base_head=data["base_head"],
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
        pending_id = expand_id(tx, repo.tract_id, "compression", pending_id)
        row, data = _load(tx, repo, pending_id)
        if not isinstance(i, int) or not 0 <= i < len(data["summaries"]):
            raise InvalidOperationError(f"summary index {i!r} out of range: this compression has "
                                        f"{len(data['summaries'])} (0-based)")
        data["summaries"][i] = text.strip()
        pending_q.update_pending(tx, repo.tract_id, pending_id, "pending", json.dumps(data))
        return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))


def approve(repo: Repo, pending_id: str, summaries: Sequence[str] | None = None,
            force: bool = False) -> CompressResult:
    with repo.store.read() as tx:
        pending_id = expand_id(tx, repo.tract_id, "compression", pending_id)
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
    lost = must_keep.missing(data.get("must_keep", []), data["summaries"])
    if lost and not force:
        raise facts_lost_error(lost)
    data["must_keep_lost"] = must_keep.flat(lost)
    data["forced"] = bool(lost)
    blobs = [prepare_blob(repo, summary_content(s)) for s in data["summaries"]]

    def write() -> CompressResult:
        with repo.store.write() as tx:
            row, _ = _load(tx, repo, pending_id)
            result = apply(tx, repo, row.branch, data, blobs, kind="approve", pending_id=pending_id)
            data["event_id"] = result.event_id
            if not pending_q.update_pending(tx, repo.tract_id, pending_id, "approved", json.dumps(data)):
                raise CompressionError(f"compression {pending_id} was approved or rejected meanwhile")
            compress_decision.record(tx, repo.tract_id, row, "approved", data, None)
            return result
    return retry_lost_race(write)


def reject(repo: Repo, pending_id: str, reason: str | None = None) -> PendingCompression:
    check_text(reason, "reason", CompressionError)
    check_size(repo, reason, "reason")
    with repo.store.write() as tx:
        pending_id = expand_id(tx, repo.tract_id, "compression", pending_id)
        row, data = _load(tx, repo, pending_id)
        data["reason"] = reason
        if not pending_q.update_pending(tx, repo.tract_id, pending_id, "rejected", json.dumps(data)):
            raise CompressionError(f"compression {pending_id} was approved or rejected meanwhile")
        compress_decision.record(tx, repo.tract_id, row, "rejected", data, reason)
        record_event(tx, repo, "reject", row.branch, {"pending": pending_id, "reason": reason},
                     data["range"], [])
        return to_model(repo, pending_q.get_pending(tx, repo.tract_id, pending_id))

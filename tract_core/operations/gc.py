"""Garbage collection: remove commits nothing needs any more, then the blobs no commit uses.

Kept (with all their ancestors):
- every branch tip, a detached HEAD, ORIG_HEAD (unless a hard reset left it), and the source
  commits of pending compressions;
- compile records younger than the orphan retention (so they can be replayed);
- compression sources and pre-compression tips (what undo needs): forever, or for
  `archive_retention_days` when set;
- commits other events (not commit events) name (a soft reset's left-behind tip, an undone compression's summaries…),
  and any commit made, for `orphan_retention_days`.
A hard reset's left-behind commits are not protected by age: the next gc removes them unless
something above still reaches them. A compile record whose commits are removed is removed too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from tract_core.errors import InvalidOperationError
from tract_core.models.audit import GCResult
from tract_core.operations.events import record_event
from tract_core.operations.refs import ORIG_HEAD
from tract_core.operations.repo import Repo
from tract_core.storage import Txn, now_us
from tract_core.storage import gc as gc_q
from tract_core.storage import pending as pending_q
from tract_core.storage import records as records_q

DAY_US = 86_400 * 1_000_000
MAX_DAYS = 1_000_000  # beyond any commit's age; also keeps the cut-off an integer (not inf or NaN)
COMPRESSION_EVENTS = ("compress", "approve")


def _closure(graph: dict[str, gc_q.GraphNode], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = [h for h in roots if h in graph]
    while stack:
        h = stack.pop()
        if h in seen:
            continue
        seen.add(h)
        stack.extend(p for p in graph[h].parents if p in graph and p not in seen)
    return seen


def _roots(tx: Txn, repo: Repo, orphan_cut: int, archive_cut: int | None) -> tuple[set[str], set[str]]:
    """(what must stay, what a hard reset discarded)."""
    refs = {r.name: r.commit_hash for r in tx.list_refs(repo.tract_id) if r.commit_hash}
    roots: set[str] = set()
    hard: set[str] = set()
    for row in pending_q.list_pending(tx, repo.tract_id):
        roots.update(json.loads(row.data)["range"])
    for rec in records_q.list_records(tx, repo.tract_id):
        if rec.created_us >= orphan_cut:
            roots.update(json.loads(rec.entries))
            if rec.head:
                roots.add(rec.head)
    events = tx.events(repo.tract_id)     # newest first
    for e in events:
        if e.kind == "commit":
            continue  # names what it made: protected by age like any commit, not by its event
        params, sources, results = json.loads(e.params), json.loads(e.sources), json.loads(e.results)
        recent = e.created_us >= orphan_cut
        if e.kind in COMPRESSION_EVENTS and params.get("applied"):
            if archive_cut is None or e.created_us >= archive_cut:
                roots.update(sources)
                roots.update(h for h in [params.get("old_head")] if h)
            if recent:
                roots.update(results)
            continue
        if e.kind == "reset" and params.get("mode") == "hard":
            hard.update(sources)
            sources = []
        if recent:
            roots.update(sources)
            roots.update(results)
    # ORIG_HEAD left by a hard reset names exactly what the reset discarded: it protects nothing
    last = next((e for e in events if e.kind in ("reset", "merge")), None)
    if last is not None and last.kind == "reset" and json.loads(last.params).get("mode") == "hard" \
            and refs.get(ORIG_HEAD) in json.loads(last.sources):
        refs.pop(ORIG_HEAD)
    roots.update(refs.values())
    return roots, hard


def gc(repo: Repo, orphan_retention_days: float = 7, archive_retention_days: float | None = None) -> GCResult:
    for name, v in (("orphan_retention_days", orphan_retention_days),
                    ("archive_retention_days", archive_retention_days)):
        if v is None and name == "archive_retention_days":
            continue  # None: archives are kept forever
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= MAX_DAYS:
            raise InvalidOperationError(f"{name} must be a number of days from 0 to {MAX_DAYS}")
    started = time.perf_counter()
    now = now_us()
    orphan_cut = now - int(orphan_retention_days * DAY_US)
    archive_cut = None if archive_retention_days is None else now - int(archive_retention_days * DAY_US)
    # exclusive: no write may land between reading the refs and the graph, nor build on what goes
    with repo.store.write(exclusive=True) as tx:
        graph = gc_q.commit_graph(tx, repo.tract_id)
        roots, hard = _roots(tx, repo, orphan_cut, archive_cut)
        reachable = _closure(graph, roots)
        discarded = _closure(graph, hard) - reachable
        young = {h for h, n in graph.items() if n.created_us >= orphan_cut and h not in discarded}
        keep = _closure(graph, reachable | young)
        remove = sorted(set(graph) - keep)
        gc_q.delete_commits(tx, repo.tract_id, remove)
        blobs, tokens = gc_q.delete_unused_blobs(tx, (graph[h].content_hash for h in remove
                                                      if graph[h].content_hash))
        gone = set(remove)
        orig = tx.get_ref(repo.tract_id, ORIG_HEAD)
        if orig is not None and orig.commit_hash in gone:
            tx.delete_ref(repo.tract_id, ORIG_HEAD)  # it named what a hard reset discarded
        stale = [r.id for r in records_q.list_records(tx, repo.tract_id)
                 if gone & set(json.loads(r.entries)) or r.head in gone]
        records_q.delete_records(tx, repo.tract_id, stale)
        duration = time.perf_counter() - started
        event_id = record_event(tx, repo, "gc", None, {
            "orphan_retention_days": orphan_retention_days, "archive_retention_days": archive_retention_days,
            "commits_removed": len(remove), "blobs_removed": blobs, "tokens_freed": tokens,
            "records_removed": len(stale)}, remove, [])
    return GCResult(commits_removed=len(remove), blobs_removed=blobs, tokens_freed=tokens,
                    records_removed=len(stale), duration_seconds=round(duration, 6), event_id=event_id)

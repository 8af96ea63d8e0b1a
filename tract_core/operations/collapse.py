"""Collapse: one commit on the parent's current branch reporting what a spawned child did.

The report is the caller's `summary`, else a summary from the summarizer (the same writers and
checks as compression), else the child's final assistant turn. Collaborative collapses wait in the
approvals queue; applying one (at once, or on approval) writes the report, marks the child
collapsed and records the event in one transaction, so a collapse happens at most once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tract_core.compression.facts import find_facts, missing_facts
from tract_core.compression.summarizers import resolve_summarizer, summarize_checked
from tract_core.errors import CollapseError, DetachedHeadError, InvalidOperationError, RefConflictError
from tract_core.operations.committing import _LostRace, check_text, new_commit_row, prepare_blob, write_on_branch
from tract_core.operations.actors import current
from tract_core.operations.events import record_event
from tract_core.operations.refs import RefView, branch_ref
from tract_core.operations.render import token_text
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import read_chain
from tract_core.storage import BlobRow, Txn, now_us
from tract_core.storage import approvals as approvals_q
from tract_core.storage import sessions as sessions_q
from tract_core.storage.approvals import ApprovalRow

MODES = ("collaborative", "autonomous", "manual")
REPORT_HEADER = "[Report from {child}: {purpose}]\n"


def report_content(child: str, purpose: str, text: str) -> dict[str, Any]:
    return {"content_type": "dialogue", "role": "user",
            "text": REPORT_HEADER.format(child=child, purpose=purpose) + text}


def _work(tx: Txn, child: Repo):
    """The child's commits after its purpose instruction, oldest first, and its head."""
    tip = RefView.read(tx, child.tract_id).head
    chain = read_chain(tx, child, tip)
    rows = [chain.rows[h] for h in chain.order]
    start = max((i for i, r in enumerate(rows) if r.meta and '"spawn"' in r.meta), default=-1)
    return rows[start + 1:], tip


def _final_output(repo: Repo, rows) -> str | None:
    for r in reversed(rows):
        body = json.loads(r.body) if r.body else {}
        if body.get("content_type") == "dialogue" and body.get("role") == "assistant" and body.get("text"):
            return body["text"]
        if body.get("content_type") == "output" and token_text(body).strip():
            return token_text(body)
    return None


def prepare(child: Repo, summarizer: Any, summary: str | None, mode: str, instructions: str | None) -> dict:
    """Check the child can collapse and write the report's text (no transaction is held while a
    summarizer runs)."""
    if mode not in MODES:
        raise InvalidOperationError(f"unknown collapse mode {mode!r}; use one of: {', '.join(MODES)}")
    check_text(summary, "summary", CollapseError)
    check_text(instructions, "instructions", CollapseError)
    if mode == "manual" and not (summary and summary.strip()):
        raise CollapseError("mode='manual' takes the report from summary=; give the text")
    with child.store.read() as tx:
        link = sessions_q.get_link(tx, child.tract_id)
        if link is None:
            raise CollapseError(f"tract {child.tract_id!r} was not spawned from a parent; only spawn() "
                                "children collapse")
        _check_open(tx, link)
        rows, head = _work(tx, child)
    infos = [child.info(r) for r in rows]
    if summary is not None and summary.strip():
        text = summary.strip()
    elif summarizer is not None or instructions is not None:
        text = summarize_checked(resolve_summarizer(summarizer), infos, target_tokens=None,
                                 instructions=instructions)
    else:
        text = _final_output(child, rows)
        if text is None:
            raise CollapseError(f"tract {child.tract_id!r} has no final assistant turn to report; "
                                "give summary=, or a summarizer")
    facts = [f for r in rows for f in find_facts(token_text(json.loads(r.body)), r.hash)] if rows else []
    return {"child": child.tract_id, "parent": link.parent_tract, "purpose": link.purpose,
            "child_head": head, "text": text, "commits": len(rows),
            "lost_facts": list(dict.fromkeys(f.text for f in missing_facts(facts, text)))}


def _check_open(tx: Txn, link) -> None:
    if link.collapsed_us is not None:
        raise CollapseError(f"tract {link.tract_id!r} was collapsed into {link.parent_tract!r} already "
                            f"(commit {(link.collapse_commit or '')[:12]}); a child collapses once")
    waiting = approvals_q.pending_for_child(tx, link.parent_tract, link.tract_id)
    if waiting is not None:
        raise CollapseError(f"a collapse of {link.tract_id!r} is waiting for approval ({waiting}); "
                            "approve or reject it first")


def append_in(tx: Txn, repo: Repo, blob: BlobRow, message: str, metadata: dict) -> str:
    """Commit `blob` on `repo`'s current branch inside the caller's transaction."""
    view = RefView.read(tx, repo.tract_id)
    if view.branch is None:
        raise DetachedHeadError(f"tract {repo.tract_id!r} has a detached HEAD; switch it to a branch "
                                "before collapsing into it")
    tip = view.branch_head(view.branch)
    if tx.dialect != "sqlite":
        tip = tx.lock_ref(repo.tract_id, branch_ref(view.branch))
    gen = repo.generation(tx, tip) if tip else None
    row = new_commit_row(repo, parents=[tip] if tip else [], generation=gen + 1 if tip else 0,
                         operation="append", blob=blob, edit_target=None, message=message, metadata=metadata)
    tx.put_blob(blob)
    try:
        write_on_branch(tx, repo, view.branch, row, tip)
    except _LostRace:
        raise RefConflictError(f"branch {view.branch} of {repo.tract_id!r} moved; try again") from None
    return row.hash


def _spawn_point_kept(tx: Txn, parent: Repo, point: str, tip: str | None) -> bool:
    """Whether the parent's branch at `tip` still holds `point` (the commit the child was spawned
    from), itself or through the compressions that summarized or re-applied it."""
    rewrites = [e for kind in ("compress", "approve") for e in tx.events(parent.tract_id, kind=kind)]
    for _ in range(len(rewrites) + 1):
        if tip is not None and (tip == point or tx.is_ancestor(point, tip)):
            return True
        moved = None
        for e in rewrites:
            params = json.loads(e.params)
            if params.get("applied") and point in json.loads(e.sources):
                return tip is not None and any(tx.is_ancestor(h, tip) or h == tip for h in json.loads(e.results))
            moved = moved or (params.get("copies") or {}).get(point) if params.get("applied") else moved
        if moved is None:
            return False
        point = moved
    return False


def check_spawn_point(tx: Txn, parent: Repo, child: str) -> None:
    """Refuse to report into a parent whose branch no longer holds the point the child started from
    (reset back past it, or another line of history): the report would answer a context it lacks."""
    link = sessions_q.get_link(tx, child)
    if link is None or link.parent_commit is None:
        return
    view = RefView.read(tx, parent.tract_id)
    tip = view.branch_head(view.branch) if view.branch else view.head
    if not _spawn_point_kept(tx, parent, link.parent_commit, tip):
        raise CollapseError(f"{parent.tract_id!r} no longer holds commit {link.parent_commit[:12]} that "
                            f"{child!r} was spawned from (it was reset past it, or is on another branch); "
                            "switch the parent to a branch that has it, or reject this collapse and "
                            "report by a commit of your own")


def apply(tx: Txn, parent: Repo, plan: dict, blob: BlobRow, approval: str | None = None) -> str:
    """Write the report on the parent and mark the child collapsed; return the commit's hash."""
    check_spawn_point(tx, parent, plan["child"])
    commit = append_in(tx, parent, blob, f"collapse of {plan['child']}",
                       {"collapse": {"child": plan["child"], "child_head": plan["child_head"],
                                     "approval": approval}})
    if not sessions_q.mark_collapsed(tx, plan["child"], commit, now_us()):
        raise CollapseError(f"tract {plan['child']!r} was collapsed already; a child collapses once")
    record_event(tx, parent, "collapse", None, {"child": plan["child"], "approval": approval,
                                                "applied": True}, [plan["child_head"]] if plan["child_head"] else [],
                 [commit])
    return commit


def report_blob(parent: Repo, plan: dict) -> BlobRow:
    return prepare_blob(parent, report_content(plan["child"], plan["purpose"], plan["text"]))


def propose(tx: Txn, parent: Repo, plan: dict, requested_by: str | None) -> str:
    """Queue the collapse for a decision; nothing on the parent changes."""
    link = sessions_q.get_link(tx, plan["child"])
    _check_open(tx, link)
    approval_id = uuid.uuid4().hex
    preview = {"child": plan["child"], "purpose": plan["purpose"], "text": plan["text"],
               "commits": plan["commits"], "lost_facts": plan["lost_facts"],
               "tokens": parent.counter.count(plan["text"])}
    approvals_q.insert_approval(tx, ApprovalRow(
        parent.tract_id, approval_id, sessions_q.session_of(tx, parent.tract_id), "collapse", "pending",
        json.dumps(preview), json.dumps(plan), requested_by or current()[0], now_us(), None, None, None))
    record_event(tx, parent, "collapse", None, {"child": plan["child"], "approval": approval_id,
                                                "applied": False}, [], [])
    return approval_id

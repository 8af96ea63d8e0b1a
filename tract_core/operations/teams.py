"""What the `Tract` facade's team methods run: spawn links, collapse, and its approvals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tract_core.models.teams import Approval
from tract_core.operations import approvals as approvals_op
from tract_core.operations import collapse as collapse_op
from tract_core.operations.actors import acting_as
from tract_core.operations.repo import Repo
from tract_core.storage import Store
from tract_core.storage import sessions as sessions_q


def link(store: Store, tract_id: str):
    with store.read() as tx:
        return sessions_q.get_link(tx, tract_id)


def children(store: Store, tract_id: str) -> list[str]:
    with store.read() as tx:
        return [r.tract_id for r in sessions_q.children(tx, tract_id)]


def collapse(child: Repo, open_tract: Callable[[str], Any], summarizer: Any, *, summary: str | None, mode: str,
             instructions: str | None, requested_by: str | None) -> str | Approval:
    plan = collapse_op.prepare(child, summarizer, summary, mode, instructions)
    parent = open_tract(plan["parent"]).repo
    with acting_as(requested_by), child.store.write() as tx:
        if mode == "collaborative":
            approval_id = collapse_op.propose(tx, parent, plan, requested_by)
        else:
            return collapse_op.apply(tx, parent, plan, collapse_op.report_blob(parent, plan))
    return next(a for a in approvals(child.store, parent.tract_id, "pending") if a.id == approval_id)


def approvals(store: Store, tract_id: str, status: str | None) -> list[Approval]:
    with store.read() as tx:
        return approvals_op.list_approvals(tx, [tract_id], None, status)


def decide(store: Store, tract_id: str, repo_for, approval_id: str, approve: bool, decided_by: str | None,
           reason: str | None, summary) -> Approval:
    return approvals_op.decide(store, repo_for, approval_id, approve=approve, tract_ids=[tract_id],
                               decided_by=decided_by, reason=reason, summary=summary)

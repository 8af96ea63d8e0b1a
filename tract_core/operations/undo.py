"""Undoing a compression: the branch goes back to its tip before the compression, with anything
committed after the compression re-applied on top. The undo is an event of its own."""

from __future__ import annotations

import json

from tract_core.errors import CompressionError, CompressionNotFoundError, StaleCompressionError
from tract_core.models.audit import OperationEvent
from tract_core.operations.audit import event_model
from tract_core.operations.events import record_event
from tract_core.operations.refs import RefView, expand_id
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import Rewriter, latest_annotations, read_chain, retry_lost_race


def undo_compression(repo: Repo, event_id: str) -> OperationEvent:
    return retry_lost_race(lambda: _undo(repo, event_id))


def _undo(repo: Repo, event_id: str) -> OperationEvent:
    with repo.store.write() as tx:
        event_id = expand_id(tx, repo.tract_id, "event", event_id)
        events = tx.events(repo.tract_id)
        found = next((e for e in events if e.id == event_id), None)
        params = json.loads(found.params) if found else {}
        if found is None or found.kind not in ("compress", "approve") or not params.get("applied"):
            raise CompressionNotFoundError(
                f"no applied compression event {event_id!r}; give the event_id that an applied "
                "compress or an approve returned (operations() lists events: use a 'compress' or "
                "'approve' event's id)")
        if any(e.kind == "undo" and json.loads(e.params).get("event") == event_id for e in events):
            raise CompressionError(f"compression {event_id} was undone already")
        branch, old_head, new_head = found.branch, params["old_head"], params["new_head"]
        tip = RefView.read(tx, repo.tract_id).branch_head(branch)
        chain = read_chain(tx, repo, tip)
        k = chain.index(new_head)
        if k is None:
            raise StaleCompressionError(
                f"branch {branch} no longer holds this compression's result (it was reset or rewritten "
                "since); reset to the old tip instead: reset({old_head[:12]!r})")
        restored = {new: old for old, new in params["copies"].items()}
        summaries = set(json.loads(found.results)) - set(restored)
        later = chain.order[k + 1:]
        for h in later:
            if chain.rows[h].operation == "edit" and chain.rows[h].edit_target in summaries:
                raise CompressionError(f"commit {h[:12]} edits a summary this undo removes; reset "
                                       "before it, or edit the restored commits instead")
        base = tx.get_commit(repo.tract_id, old_head) if old_head else None
        if old_head and base is None:
            raise CompressionError(f"the pre-compression tip {old_head[:12]} was garbage-collected")
        rw = Rewriter(tx, repo, branch, base, latest_annotations(tx, repo), copies=restored)
        for h in later:
            rw.copy(chain.rows[h], chain.rows)
        new_tip = rw.move_branch(tip)
        undo_id = record_event(tx, repo, "undo", branch,
                               {"event": event_id, "old_head": tip, "new_head": new_tip},
                               [tip] if tip else [], [new_tip] + rw.made if new_tip else rw.made)
        return event_model(next(e for e in tx.events(repo.tract_id, kind="undo") if e.id == undo_id))

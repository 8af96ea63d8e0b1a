"""Merging one branch into the current one: fast-forward, a two-parent merge commit, or conflicts
reported with the commits involved (never resolved silently)."""

from __future__ import annotations

from tract_core.errors import DetachedHeadError, InvalidOperationError, RefConflictError
from tract_core.models.commit import MergeConflict, MergeResult
from tract_core.models.enums import Priority
from tract_core.operations.committing import new_commit_row
from tract_core.operations.events import record_event
from tract_core.operations.history import merge_base
from tract_core.operations.refs import ORIG_HEAD, RefView, branch_ref
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import latest_annotations
from tract_core.storage import AnnotationRow, CommitRow, Txn

STRATEGIES = ("auto", "ours", "theirs")


def _edits(rows: dict[str, CommitRow], side: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for h in sorted(side, key=lambda h: (rows[h].generation, rows[h].created_us, h)):
        if rows[h].operation == "edit":
            out.setdefault(rows[h].edit_target, []).append(h)
    return out


def _skips(latest: dict[str, AnnotationRow], branch: str, since_us: int) -> set[str]:
    """Commits skipped on `branch` after `since_us`, whose latest annotation is still SKIP."""
    return {h for h, a in latest.items()
            if a.priority == Priority.SKIP.value and a.branch == branch and a.created_us > since_us}


def find_conflicts(tx: Txn, repo: Repo, rows: dict[str, CommitRow], ours: set[str], theirs: set[str],
                   base: str | None, our_name: str, their_name: str) -> list[MergeConflict]:
    our_new, their_new = ours - theirs, theirs - ours
    our_edits, their_edits = _edits(rows, our_new), _edits(rows, their_new)
    conflicts = [MergeConflict(kind="edit_edit", target=t, ours=our_edits[t], theirs=their_edits[t],
                               detail=f"both branches edited {t[:12]}")
                 for t in sorted(our_edits.keys() & their_edits.keys())]
    since = rows[base].created_us if base else 0
    latest = latest_annotations(tx, repo)
    for t in sorted(_skips(latest, our_name, since) & their_edits.keys()):
        conflicts.append(MergeConflict(kind="skip_edit", target=t, ours=[t], theirs=their_edits[t],
                                       detail=f"{our_name} skipped {t[:12]}, {their_name} edited it"))
    for t in sorted(_skips(latest, their_name, since) & our_edits.keys()):
        conflicts.append(MergeConflict(kind="skip_edit", target=t, ours=our_edits[t], theirs=[t],
                                       detail=f"{their_name} skipped {t[:12]}, {our_name} edited it"))
    return conflicts


def merge(repo: Repo, their_name: str, strategy: str = "auto", message: str | None = None) -> MergeResult:
    if strategy not in STRATEGIES:
        raise InvalidOperationError(f"unknown merge strategy {strategy!r}; use one of: {', '.join(STRATEGIES)}")
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        our_name = view.branch
        if our_name is None:
            raise DetachedHeadError("HEAD is detached: switch to the branch to merge into first")
        ours, theirs = view.head, view.branch_head(their_name)
        if tx.dialect != "sqlite":  # queue behind other writers of this branch (see Txn.lock_ref)
            tx.lock_annotations(repo.tract_id)  # a merge may annotate: that lock comes first
            ours = tx.lock_ref(repo.tract_id, branch_ref(our_name))
        if their_name == our_name or theirs is None or theirs == ours or (
                ours is not None and tx.is_ancestor(theirs, ours)):
            return MergeResult(kind="up_to_date", head=ours)
        if ours is None:
            return _fast_forward(tx, repo, our_name, their_name, ours, theirs)
        our_rows = {r.hash: r for r in tx.ancestors(repo.tract_id, ours)}
        their_rows = {r.hash: r for r in tx.ancestors(repo.tract_id, theirs)}
        rows = {**our_rows, **their_rows}
        base = merge_base(set(our_rows), set(their_rows), rows)
        conflicts = find_conflicts(tx, repo, rows, set(our_rows), set(their_rows), base, our_name,
                                   their_name)
        if conflicts and strategy == "auto":
            return MergeResult(kind="conflict", head=ours, conflicts=conflicts, merge_base=base)
        resolutions = {}
        for c in conflicts:
            winner = c.ours if strategy == "ours" else c.theirs
            if c.kind == "edit_edit":
                resolutions[c.target] = winner[-1]
            else:
                edited = winner != [c.target]
                tx.add_annotation(repo.tract_id, c.target,
                                  (Priority.NORMAL if edited else Priority.SKIP).value,
                                  f"merge {their_name} ({strategy})", our_name)
                if edited:
                    resolutions[c.target] = winner[-1]
        if base == ours:  # ours has nothing new: the edits theirs brought already come last
            return _fast_forward(tx, repo, our_name, their_name, ours, theirs, conflicts)
        tx.set_ref(repo.tract_id, ORIG_HEAD, ours)
        row = new_commit_row(
            repo, parents=[ours, theirs], generation=max(rows[ours].generation, rows[theirs].generation) + 1,
            operation="merge", blob=None, edit_target=None,
            message=message or f"Merge branch '{their_name}' into {our_name}",
            metadata={"resolutions": resolutions, "strategy": strategy} if resolutions else None)
        tx.insert_commit(row)
        _move(tx, repo, our_name, ours, row.hash)
        record_event(tx, repo, "merge", our_name, {"branch": their_name, "kind": "merged", "strategy": strategy},
               [ours, theirs], [row.hash])
        return MergeResult(kind="merged", head=row.hash, conflicts=conflicts, merge_base=base)


def _fast_forward(tx: Txn, repo: Repo, our_name: str, their_name: str, ours: str | None, theirs: str,
                  conflicts: list[MergeConflict] | None = None) -> MergeResult:
    tx.set_ref(repo.tract_id, ORIG_HEAD, ours)
    _move(tx, repo, our_name, ours, theirs)
    record_event(tx, repo, "merge", our_name, {"branch": their_name, "kind": "fast_forward"},
                 [ours] if ours else [], [theirs])
    return MergeResult(kind="fast_forward", head=theirs, merge_base=ours, conflicts=conflicts or [])


def _move(tx: Txn, repo: Repo, branch: str, old: str | None, new: str) -> None:
    if not tx.cas_ref(repo.tract_id, branch_ref(branch), old, new):
        raise RefConflictError(f"branch {branch} moved during the merge; run merge again")

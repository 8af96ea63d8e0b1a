"""Branch and HEAD operations: create, switch, checkout (detached), delete, reset."""

from __future__ import annotations

from tract_core.errors import (BranchExistsError, BranchNotMergedError, InvalidOperationError,
                               RefConflictError)
from tract_core.models.commit import BranchInfo
from tract_core.operations.events import record_event
from tract_core.operations.refs import (HEAD, ORIG_HEAD, RefView, branch_ref, check_branch_name,
                                        resolve)
from tract_core.operations.repo import Repo

RESET_MODES = ("soft", "hard")


def create_branch(repo: Repo, name: str, start: str | None = None, switch: bool = False) -> BranchInfo:
    check_branch_name(name)
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        at = resolve(tx, repo.tract_id, start, view) if start is not None else view.head
        if not tx.create_ref(repo.tract_id, branch_ref(name), at):
            raise BranchExistsError(f"branch {name!r} exists already; switch({name!r}) to use it")
        if switch:
            tx.set_ref(repo.tract_id, HEAD, None, branch_ref(name))
        record_event(tx, repo, "branch_created", name, {"head": at, "switch": switch}, [], [])
        return BranchInfo(name=name, head=at, current=switch)


def switch(repo: Repo, name: str) -> BranchInfo:
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        at = view.branch_head(name)
        tx.set_ref(repo.tract_id, HEAD, None, branch_ref(name))
        record_event(tx, repo, "switch", name, {"from": view.branch, "head": at}, [], [])
        return BranchInfo(name=name, head=at, current=True)


def checkout(repo: Repo, rev: str) -> str:
    """Detach HEAD at a commit (a branch name switches to the branch instead). Returns the commit."""
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        if isinstance(rev, str) and branch_ref(rev) in view.refs:
            tx.set_ref(repo.tract_id, HEAD, None, branch_ref(rev))
            at = view.refs[branch_ref(rev)].commit_hash
            record_event(tx, repo, "switch", rev, {"from": view.branch, "head": at}, [], [])
            return at
        full = resolve(tx, repo.tract_id, rev, view)
        tx.set_ref(repo.tract_id, HEAD, full, None)
        record_event(tx, repo, "checkout", None, {"from": view.branch, "head": full}, [], [])
        return full


def list_branches(repo: Repo) -> list[BranchInfo]:
    with repo.store.read() as tx:
        view = RefView.read(tx, repo.tract_id)
    current = view.branch
    return [BranchInfo(name=n, head=h, current=n == current) for n, h in sorted(view.branches().items())]


def delete_branch(repo: Repo, name: str, force: bool = False) -> None:
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        tip = view.branch_head(name)
        if view.branch == name:
            raise InvalidOperationError(f"cannot delete {name!r}: it is the current branch; switch first")
        if not force and tip is not None:
            others = [h for n, h in view.branches().items() if n != name and h]
            if not any(h == tip or tx.is_ancestor(tip, h) for h in others):
                raise BranchNotMergedError(
                    f"branch {name!r} has commits no other branch has; merge it, or delete with force=True")
        tx.delete_ref(repo.tract_id, branch_ref(name))
        record_event(tx, repo, "branch_deleted", name, {"head": tip, "force": force}, [], [])


def reset(repo: Repo, target: str, mode: str = "soft", branch: str | None = None) -> str:
    """Move the current branch (or `branch`, or a detached HEAD) to `target`; ORIG_HEAD keeps the
    old tip.

    soft: the commits left behind stay protected from gc for its orphan retention window.
    hard: they are discarded: the next gc may remove them at once (unless something else reaches them).
    """
    if mode not in RESET_MODES:
        raise InvalidOperationError(f"unknown reset mode {mode!r}; use 'soft' or 'hard'")
    with repo.store.write() as tx:
        view = RefView.read(tx, repo.tract_id)
        full = resolve(tx, repo.tract_id, target, view)
        old = view.branch_head(branch) if branch else view.head
        branch = branch or view.branch
        if branch is not None and tx.dialect != "sqlite":  # queue behind other writers (Txn.lock_ref)
            old = tx.lock_ref(repo.tract_id, branch_ref(branch))
        if branch is None:
            tx.set_ref(repo.tract_id, HEAD, full, None)
        elif not tx.cas_ref(repo.tract_id, branch_ref(branch), old, full):
            raise RefConflictError(f"branch {branch} moved during the reset; try again")
        tx.set_ref(repo.tract_id, ORIG_HEAD, old)
        record_event(tx, repo, "reset", branch, {"mode": mode, "target": full},
                     [old] if old else [], [full])
        return full

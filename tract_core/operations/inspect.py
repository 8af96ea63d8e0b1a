"""Reading history: log, show, status, diff, edit history."""

from __future__ import annotations

from tract_core.models.commit import CommitInfo, DiffResult, EditedEntry
from tract_core.operations.compiler import Compiler
from tract_core.operations.history import linearize
from tract_core.operations.refs import RefView, resolve
from tract_core.operations.repo import Repo
from tract_core.storage import Txn

MAX_LIMIT = 2**31 - 1


def log(repo: Repo, tx: Txn, head: str | None, limit: int | None = None) -> list[CommitInfo]:
    """Newest first; a merge's incoming commits come after it, before the first parent's."""
    if head is None or limit == 0:
        return []
    if limit is not None and limit > MAX_LIMIT:
        limit = None  # no history is that long, and the database's integers are not that large
    rows = None
    if limit is not None:
        recent = {r.hash: r for r in tx.ancestors(repo.tract_id, head, depth=limit)}
        if all(len(r.parents) <= 1 for r in recent.values()):
            rows, h = [], head
            while h in recent and len(rows) < limit:
                rows.append(recent[h])
                h = recent[h].parents[0] if recent[h].parents else None
    if rows is None:
        commits = {r.hash: r for r in tx.ancestors(repo.tract_id, head)}
        order = linearize(commits, head)[::-1]
        rows = [commits[h] for h in order[:limit]]
    return [repo.info(r) for r in rows]


def show(repo: Repo, tx: Txn, rev: str) -> CommitInfo:
    full = resolve(tx, repo.tract_id, rev)
    return repo.info(tx.get_commit(repo.tract_id, full))


def edit_history(repo: Repo, tx: Txn, rev: str) -> list[CommitInfo]:
    """The original commit and every edit of it, oldest first."""
    full = resolve(tx, repo.tract_id, rev)
    row = tx.get_commit(repo.tract_id, full)
    target = row.edit_target or row.hash
    original = row if row.hash == target else tx.get_commit(repo.tract_id, target)
    return [repo.info(original)] + [repo.info(r) for r in tx.edits_of(repo.tract_id, target)]


def diff(repo: Repo, compiler: Compiler, tx: Txn, a: str, b: str) -> DiffResult:
    view = RefView.read(tx, repo.tract_id)
    ha, hb = resolve(tx, repo.tract_id, a, view), resolve(tx, repo.tract_id, b, view)
    sa, sb = compiler.state(tx, ha), compiler.state(tx, hb)
    shown_a = {e.position: e.shown for e in sa.entries}
    shown_b = {e.position: e.shown for e in sb.entries}
    return DiffResult(
        a=ha, b=hb,
        added=[e.position for e in sb.entries if e.position not in shown_a],
        removed=[e.position for e in sa.entries if e.position not in shown_b],
        edited=[EditedEntry(target=p, before=shown_a[p], after=s) for p, s in shown_b.items()
                if p in shown_a and shown_a[p] != s],
        token_delta=compiler.assembled(tx, hb).total_tokens - compiler.assembled(tx, ha).total_tokens)

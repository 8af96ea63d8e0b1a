"""Reading history: log, show, status, diff, edit history."""

from __future__ import annotations

import json

from tract_core.errors import InvalidOperationError
from tract_core.models.commit import CommitInfo, DiffResult, EditedEntry
from tract_core.operations.compiler import Compiler
from tract_core.operations.history import linearize
from tract_core.operations.refs import RefView, resolve
from tract_core.operations.render import render
from tract_core.operations.tags import with_tags
from tract_core.operations.repo import Repo
from tract_core.storage import Txn

MAX_LIMIT = 2**31 - 1
ROLES = ("system", "user", "assistant", "tool")


def log(repo: Repo, tx: Txn, head: str | None, limit: int | None = None, *, before: str | None = None,
        kind: str | None = None, role: str | None = None) -> list[CommitInfo]:
    """Newest first; a merge's incoming commits come after it, before the first parent's.

    `before` (a revision): start after that commit, with the commits older than it (the next page
    after a page that ended there). `kind` / `role`: only commits of that content type / whose
    message has that role."""
    if role is not None and role not in ROLES:
        raise InvalidOperationError(f"role must be one of {', '.join(ROLES)}")
    if before is not None:
        head = resolve(tx, repo.tract_id, before)
    if head is None or limit == 0:
        return []
    if limit is not None and limit > MAX_LIMIT:
        limit = None  # no history is that long, and the database's integers are not that large
    skip = 1 if before is not None else 0
    want = None if limit is None or kind is not None or role is not None else limit + skip
    rows = None
    if want is not None:
        recent = {r.hash: r for r in tx.ancestors(repo.tract_id, head, depth=want)}
        if all(len(r.parents) <= 1 for r in recent.values()):
            rows, h = [], head
            while h in recent and len(rows) < want:
                rows.append(recent[h])
                h = recent[h].parents[0] if recent[h].parents else None
    if rows is None:
        commits = {r.hash: r for r in tx.ancestors(repo.tract_id, head)}
        rows = [commits[h] for h in linearize(commits, head)[::-1]]
    rows = [r for r in rows[skip:] if _kept(r, kind, role)][:limit]
    return with_tags(repo, tx, rows)


def _kept(row, kind: str | None, role: str | None) -> bool:
    if kind is not None and row.content_type != kind:
        return False
    return role is None or (row.body is not None and render(json.loads(row.body)).role == role)


def show(repo: Repo, tx: Txn, rev: str) -> CommitInfo:
    full = resolve(tx, repo.tract_id, rev)
    return with_tags(repo, tx, [tx.get_commit(repo.tract_id, full)])[0]


def edit_history(repo: Repo, tx: Txn, rev: str) -> list[CommitInfo]:
    """The original commit and every edit of it, oldest first."""
    full = resolve(tx, repo.tract_id, rev)
    row = tx.get_commit(repo.tract_id, full)
    target = row.edit_target or row.hash
    original = row if row.hash == target else tx.get_commit(repo.tract_id, target)
    return with_tags(repo, tx, [original] + tx.edits_of(repo.tract_id, target))


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

"""Spawn: a child tract in the same store (and session) whose history starts from its parent's.

`head_snapshot`: one pinned instruction holding the parent's compiled context at HEAD.
`full_clone`: the parent's first-parent history re-applied in the child (blobs shared by hash).
`selective`: only the listed commits, plus the parent's pinned instructions.
Each mode ends with a pinned instruction stating the child's purpose, whose metadata records the
link; the child's own work is what follows it (see operations/collapse.py).
"""

from __future__ import annotations

from dataclasses import replace

from tract_core.errors import InvalidOperationError
from tract_core.models.enums import Priority
from tract_core.operations.committing import check_text, prepare_blob
from tract_core.operations.compiler import Compiler
from tract_core.operations.events import record_event
from tract_core.operations.refs import HEAD, RefView, branch_ref, resolve
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import Rewriter, latest_annotations, read_chain
from tract_core.storage import Txn, now_us
from tract_core.storage import sessions as sessions_q

INHERIT = ("head_snapshot", "full_clone", "selective")
BRANCH = "main"


def child_repo(parent: Repo, name: str) -> Repo:
    return Repo(parent.store, name, parent.registry, parent.counter, dict(parent.default_priorities))


def snapshot_text(parent: Repo, compiler: Compiler, tx: Txn, head: str | None) -> str:
    ctx = compiler.compile(tx, head, None) if head else None
    lines = [f"{m.role}: {m.content}" for m in (ctx.messages if ctx else []) if m.content]
    return (f"Context inherited from tract {parent.tract_id}:\n" + "\n".join(lines)) if lines else ""


def spawn(parent: Repo, compiler: Compiler, name: str, *, purpose: str, inherit: str = "head_snapshot",
          commits: list[str] | None = None) -> None:
    """Create tract `name` from `parent`, linked to it, in one transaction."""
    if inherit not in INHERIT:
        raise InvalidOperationError(f"unknown inherit mode {inherit!r}; use one of: {', '.join(INHERIT)}")
    if not isinstance(purpose, str) or not purpose.strip():
        raise InvalidOperationError("purpose must say what the child is for (a non-empty text)")
    check_text(purpose, "purpose")
    if inherit == "selective" and (not isinstance(commits, (list, tuple)) or not commits):
        raise InvalidOperationError("inherit='selective' needs commits=[hashes] to copy")
    if inherit != "selective" and commits is not None:
        raise InvalidOperationError("commits= is only for inherit='selective'")
    if not isinstance(name, str) or not name.strip() or len(name) > 255 or "\x00" in name:
        raise InvalidOperationError("a child tract's name must be a non-empty string of at most 255 characters")
    child = child_repo(parent, name)
    with parent.store.write() as tx:
        if not tx.ensure_tract(name):
            raise InvalidOperationError(f"tract {name!r} exists already; spawn under a new name")
        tx.create_ref(name, branch_ref(BRANCH), None)
        tx.create_ref(name, HEAD, None, branch_ref(BRANCH))
        view = RefView.read(tx, parent.tract_id)
        head = view.head
        rw = Rewriter(tx, child, BRANCH, None, latest_annotations(tx, parent))
        if inherit == "head_snapshot":
            text = snapshot_text(parent, compiler, tx, head)
            if text:
                rw.add(prepare_blob(child, {"content_type": "instruction", "text": text}),
                       "snapshot of the parent's context", {"spawn": {"snapshot_of": head}})
        else:
            _copy(tx, parent, rw, head, view, commits if inherit == "selective" else None)
        blob = prepare_blob(child, {"content_type": "instruction", "text": f"Your task: {purpose.strip()}"})
        rw.add(blob, "purpose", {"spawn": {"parent": parent.tract_id, "commit": head, "inherit": inherit}})
        rw.move_branch(None)
        sessions_q.add_link(tx, name, parent.tract_id, head, purpose.strip(), inherit, now_us())
        session = sessions_q.session_of(tx, parent.tract_id)
        if session is not None:
            sessions_q.add_member(tx, session, name, now_us())
        record_event(tx, parent, "spawn", view.branch, {"child": name, "inherit": inherit, "commit": head}, [], [])


def _copy(tx: Txn, parent: Repo, rw: Rewriter, head: str | None, view: RefView,
          commits: list[str] | None) -> None:
    chain = read_chain(tx, parent, head)
    wanted = None
    if commits is not None:
        wanted = {resolve(tx, parent.tract_id, c, view) for c in commits}
        missing = wanted - set(chain.order)
        if missing:
            raise InvalidOperationError(f"commit {sorted(missing)[0][:12]} is not on the parent's current "
                                        "branch; name commits its log() shows")
    annotations = latest_annotations(tx, parent)
    for h in chain.order:
        row = chain.rows[h]
        if wanted is not None and h not in wanted and not _pinned(parent, row, annotations):
            continue
        if row.edit_target and row.edit_target not in rw.copies:
            continue  # an edit of a commit the child does not have
        if row.operation == "merge":
            row = replace(row, parents=row.parents[:1])  # the child keeps the first-parent line
        rw.copy(row, chain.rows)


def _pinned(parent: Repo, row, annotations) -> bool:
    ann = annotations.get(row.hash)
    prio = Priority(ann.priority) if ann is not None else parent.default_priority(row.content_type)
    return prio is Priority.PINNED

"""Reordering a compiled context: named commits first (in the order given), the rest after them in
their own order. Only the output changes: never the DAG, never the compile cache."""

from __future__ import annotations

from tract_core.errors import InvalidOperationError
from tract_core.models.audit import ReorderWarning
from tract_core.models.compiled import CompiledContext
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView, resolve
from tract_core.operations.repo import Repo
from tract_core.storage import Txn


def _slots(tx: Txn, repo: Repo, compiler: Compiler, ctx: CompiledContext,
           order: list[str]) -> tuple[list[int], list[ReorderWarning]]:
    state = compiler.state(tx, ctx.head)
    slot_of = {h: i for i, h in enumerate(ctx.commit_hashes)}
    position_of = {e.shown: e.position for e in state.entries}
    for shown, i in list(slot_of.items()):
        slot_of.setdefault(position_of.get(shown, shown), i)
    # a full hash the state shows is known without a query: its slot is the turn it shows
    known = {e.position: e.position for e in state.entries}
    known.update((e.shown, e.position) for e in state.entries)
    view = RefView.read(tx, repo.tract_id)
    picked: list[int] = []
    direct: dict[str, int] = {}     # slot key -> where it was named by its own hash
    by_edit: dict[str, tuple[int, str]] = {}   # slot key -> (where, edit) when named by an edit
    for n, name in enumerate(order):
        if name in known:
            full, key = name, known[name]
        else:
            full = resolve(tx, repo.tract_id, name, view)
            row = tx.get_commit(repo.tract_id, full)
            key = row.edit_target if row.operation == "edit" else full
        if key not in slot_of:
            raise InvalidOperationError(f"{full[:12]} is not in the compiled context (skipped, dropped "
                                        "to fit the budget, or not on this branch); order only what compile shows")
        if key != full:  # named by an edit
            by_edit.setdefault(key, (n, full))
        elif key in direct:
            raise InvalidOperationError(f"{full[:12]} is named twice in order")
        else:
            direct[key] = n
        if slot_of[key] not in picked:
            picked.append(slot_of[key])
    warnings = [ReorderWarning(kind="edit_before_target", commit=edit, related=key,
                               detail=f"edit {edit[:12]} is placed before {key[:12]}, the commit it edits")
                for key, (n, edit) in by_edit.items() if key in direct and direct[key] > n]
    return picked, warnings


def apply_order(tx: Txn, repo: Repo, compiler: Compiler, ctx: CompiledContext,
                order: list[str]) -> tuple[CompiledContext, list[ReorderWarning]]:
    if isinstance(order, str) or not all(isinstance(h, str) for h in order):
        raise InvalidOperationError("order must be a list of commit hashes")
    if ctx.head is None or not order:
        return ctx, []
    picked, warnings = _slots(tx, repo, compiler, ctx, list(order))
    chosen = set(picked)
    rest = [i for i in range(len(ctx.messages)) if i not in chosen]
    new = picked + rest
    messages = [ctx.messages[i] for i in new]
    hashes = [ctx.commit_hashes[i] for i in new]
    calls = {c.id: m.commit_hash for m in messages for c in m.tool_calls}
    seen: set[str] = set()
    for m in messages:
        seen.update(c.id for c in m.tool_calls)
        if m.role == "tool" and m.tool_call_id in calls and m.tool_call_id not in seen:
            warnings.append(ReorderWarning(
                kind="result_before_call", commit=m.commit_hash, related=calls[m.tool_call_id],
                detail=f"the result of tool call {m.tool_call_id!r} comes before the call"))
    return ctx.model_copy(update={"messages": messages, "commit_hashes": hashes}), warnings

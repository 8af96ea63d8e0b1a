"""The tracts of a store: what a client lists before choosing one."""

from __future__ import annotations

from pathlib import Path

from tract_core.models.commit import BranchHead, TractSummary
from tract_core.storage import Store
from tract_core.storage import tracts as tracts_q


def list_tracts(store: Store | str) -> list[TractSummary]:
    """The tracts in a store (a Store, a SQLite path, ':memory:' or a PostgreSQL URL) with their
    branches' heads, commit counts and sizes. A SQLite file that does not exist holds none (and is
    not made)."""
    if isinstance(store, Store):
        return _summaries(store)
    if isinstance(store, str) and "://" not in store and store not in ("", ":memory:") \
            and not Path(store).expanduser().exists():
        return []
    opened = Store(store)
    try:
        return _summaries(opened)
    finally:
        opened.close()


def _summaries(store: Store) -> list[TractSummary]:
    """Every tract of `store` with its branches' heads, commit count, tokens and bytes of content."""
    with store.read() as tx:
        sizes = tracts_q.tract_sizes(tx)
        heads = tracts_q.branch_heads(tx)
    branches: dict[str, list[BranchHead]] = {}
    for tract_id, name, head in heads:
        branches.setdefault(tract_id, []).append(BranchHead(name=name, head=head))
    return [TractSummary(tract_id=tid, branches=branches.get(tid, []), commit_count=n, token_count=tokens,
                         size_bytes=size) for tid, n, tokens, size in sizes]

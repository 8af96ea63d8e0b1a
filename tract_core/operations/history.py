"""Walking the commit DAG: a deterministic linear order, merge bases, time lookups."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

from tract_core.storage.rows import CommitRow, EventRow

REF_MOVES = ("reset", "merge", "compress", "approve", "undo")


def linearize(commits: Mapping[str, CommitRow], head: str) -> list[str]:
    """Oldest first. A merge shows its first parent's history, then what the second parent brought,
    then the merge itself: the same order every time for the same DAG."""
    chain = _first_parent_chain(commits, head)
    if chain is not None:
        return chain
    order: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[str, int]] = [(head, 0)]
    while stack:
        h, i = stack.pop()
        if i == 0:
            if h in seen:
                continue
            seen.add(h)
        parents = commits[h].parents
        if i < len(parents):
            stack.append((h, i + 1))
            if parents[i] not in seen:
                stack.append((parents[i], 0))
        else:
            order.append(h)
    return order


def _first_parent_chain(commits: Mapping[str, CommitRow], head: str) -> list[str] | None:
    """The order of a history without merges (the common case), in one cheap walk; None if it has one."""
    order: list[str] = []
    h: str | None = head
    while h is not None:
        parents = commits[h].parents
        if len(parents) > 1:
            return None
        order.append(h)
        h = parents[0] if parents else None
    order.reverse()
    return order


def chain_back(rows: Mapping[str, CommitRow], head: str, stop: Callable[[str], bool],
               limit: int | None = None) -> list[CommitRow] | None:
    """The commits from `head` back to the first one `stop` accepts (not included), newest first,
    when each is a single-parent, non-merge commit found in `rows` (and there are at most `limit`);
    else None. What a state can be moved forward over one commit at a time."""
    chain: list[CommitRow] = []
    h = head
    while not stop(h):
        row = rows.get(h)
        if (row is None or row.operation == "merge" or len(row.parents) != 1
                or (limit is not None and len(chain) >= limit)):
            return None
        chain.append(row)
        h = row.parents[0]
    return chain


def merge_base(ours: set[str], theirs: set[str], commits: Mapping[str, CommitRow]) -> str | None:
    """The common ancestor with the highest generation (ties broken by hash)."""
    common = ours & theirs
    if not common:
        return None
    return max(common, key=lambda h: (commits[h].generation, h))


def at_time(commits: Mapping[str, CommitRow], head: str, created_us: int) -> str | None:
    """The newest commit on the first-parent chain of `head` made at or before `created_us`."""
    h: str | None = head
    while h is not None:
        row = commits[h]
        if row.created_us <= created_us:
            return h
        h = row.parents[0] if row.parents else None
    return None


def tip_before_moves(events: Iterable[EventRow], branch: str, tip: str | None,
                     created_us: int) -> str | None:
    """The tip `branch` had just before the first ref move (reset, merge, applied compression,
    undo) made after `created_us`, or `tip` if none was: the commits on it made by then are the
    branch as it was then. `events` newest first; appends are no moves (their times tell)."""
    for e in events:
        if e.created_us <= created_us:
            break
        if e.branch != branch or e.kind not in REF_MOVES:
            continue
        params = json.loads(e.params)
        if e.kind in ("compress", "approve", "undo"):
            if e.kind != "undo" and not params.get("applied"):
                continue
            tip = params.get("old_head")
        else:
            sources = json.loads(e.sources)
            tip = sources[0] if sources else None
    return tip

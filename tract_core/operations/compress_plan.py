"""Which commits a compression replaces, and how: PINNED commits stay verbatim and split the range
into summary groups, SKIP commits are left out, a tool call and its result stay on the same side
of the range boundary, and edits of commits outside the range are kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tract_core.errors import CompressionError, DetachedHeadError, StaleCompressionError
from tract_core.models.content import REQUEST_KINDS
from tract_core.models.enums import Priority
from tract_core.operations.compile_state import Entry, build_state
from tract_core.operations.pairing import pair_by_position
from tract_core.operations.refs import RefView, resolve
from tract_core.operations.repo import Repo
from tract_core.operations.rewrite import Chain, latest_annotations, read_chain
from tract_core.storage import CommitRow, Txn


@dataclass
class Plan:
    branch: str
    base_head: str
    range: list[str]                 # the source commits, oldest first
    items: list[dict]                # {"summary": i} or {"keep": hash}, in the new order
    groups: list[list[str]]          # per summary: the commits it replaces
    group_rows: list[list[CommitRow]]  # per summary: the rows whose content it summarizes
    kept: list[str]
    original_tokens: int
    kept_tokens: int


def _index(chain: Chain, h: str, branch: str) -> int:
    i = chain.index(h)
    if i is None:
        raise CompressionError(f"commit {h[:12]} is not on the first-parent history of branch {branch}; "
                               "log() lists the commits you can compress")
    return i


def _bounds(tx: Txn, repo: Repo, view: RefView, chain: Chain, branch: str, commits, from_commit,
            to_commit) -> tuple[int, int]:
    if commits is not None:
        if not isinstance(commits, (list, tuple, set)) or not commits:
            raise CompressionError("commits= must be a non-empty list of hashes")
        idx = sorted({_index(chain, resolve(tx, repo.tract_id, c, view), branch) for c in commits})
        gaps = [i for i in range(idx[0], idx[-1] + 1) if i not in idx]
        if gaps:
            raise CompressionError(f"commits= must be consecutive on branch {branch}: "
                                   f"{chain.order[gaps[0]][:12]} between them is missing; name it too, "
                                   "or give from_commit= and to_commit=")
        return idx[0], idx[-1]
    lo = _index(chain, resolve(tx, repo.tract_id, from_commit, view), branch) if from_commit else 0
    hi = (_index(chain, resolve(tx, repo.tract_id, to_commit, view), branch) if to_commit
          else len(chain.order) - 1)
    if lo > hi:
        raise CompressionError("from_commit comes after to_commit; swap them")
    return lo, hi


def _widen_for_tools(chain: Chain, lo: int, hi: int, sent: Callable[[Entry], bool]) -> tuple[int, int]:
    """Grow the range until no tool call is separated from its result by a boundary: the pairs
    compile sends (by position, among the turns not SKIPped)."""
    state = build_state(chain.rows, chain.tip)
    live = [e for e in state.entries if sent(e)]
    partner, _, _ = pair_by_position(live)
    pairs = []
    for j, k in partner.items():
        a, b = chain.index(live[j].position), chain.index(live[k].position)
        if j < k and a is not None and b is not None:
            pairs.append((a, b))
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            if (lo <= a <= hi) != (lo <= b <= hi):
                lo, hi, changed = min(lo, a, b), max(hi, a, b), True
    return lo, hi


def check_later(chain: Chain, start: int, replaced: set[str], error=CompressionError) -> None:
    """Commits re-applied after a rewrite must not depend on the commits it replaces."""
    for h in chain.order[start:]:
        row = chain.rows[h]
        if row.operation == "edit" and row.edit_target in replaced:
            raise error(f"commit {h[:12]} edits {row.edit_target[:12]}, which this compression "
                        "replaces; include it in the range, or end the range before the commit it edits")
        if row.operation == "merge" and any(chain.reaches(p, replaced) for p in row.parents[1:]):
            raise error(f"merge {h[:12]} brings in commits this compression replaces; compress a "
                        "range after the merge instead")


def make_plan(tx: Txn, repo: Repo, commits=None, from_commit=None, to_commit=None,
              branch: str | None = None) -> Plan:
    view = RefView.read(tx, repo.tract_id)
    branch = branch or view.branch
    if branch is None:
        raise DetachedHeadError("HEAD is detached: switch to a branch (or name one) before compressing")
    chain = read_chain(tx, repo, view.branch_head(branch))
    if not chain.order:
        raise CompressionError(f"branch {branch} has no commits to compress")
    lo, hi = _bounds(tx, repo, view, chain, branch, commits, from_commit, to_commit)
    notes = latest_annotations(tx, repo)

    def priority(h: str, content_type: str | None) -> Priority:
        a = notes.get(h)
        return Priority(a.priority) if a else repo.default_priority(content_type)

    lo, hi = _widen_for_tools(chain, lo, hi, lambda e: priority(e.position, e.content_type) is not Priority.SKIP)
    rng = chain.order[lo:hi + 1]
    merges = [h for h in rng if chain.rows[h].operation == "merge"]
    if merges:
        raise CompressionError(f"the range holds merge commit {merges[0][:12]}; compress the ranges "
                               "before or after it separately")
    in_range = set(rng)
    state = build_state(chain.rows, rng[-1])
    entries = {e.position: e for e in state.entries}

    items: list[dict] = []
    front: list[dict] = []
    groups: list[list[str]] = []
    group_rows: list[list[CommitRow]] = []
    kept: list[str] = []
    current: list[str] = []
    tokens = kept_tokens = 0

    def flush() -> None:
        nonlocal current
        if current:
            items.append({"summary": len(groups)})
            groups.append(current)
            group_rows.append([chain.rows[entries[h].shown] for h in current])
            current = []

    for h in rng:
        row = chain.rows[h]
        if row.operation == "edit":
            if row.edit_target not in in_range:
                front.append({"keep": h})      # edits an earlier commit: its effect must stay
                kept.append(h)
            elif row.edit_target in kept:
                items.append({"keep": h})
                kept.append(h)
            continue
        if row.content_type in REQUEST_KINDS:  # tools or settings: part of the request, kept as is
            front.append({"keep": h})
            kept.append(h)
            continue
        entry = entries[h]
        p = priority(h, row.content_type)
        if p is Priority.SKIP:
            continue
        tokens += entry.tokens
        if p is Priority.PINNED:
            flush()
            items.append({"keep": h})
            kept.append(h)
            kept_tokens += entry.tokens
        else:
            current.append(h)
    flush()
    if not groups:
        raise CompressionError("nothing to summarize in this range: every commit in it is PINNED or SKIP")
    replaced = in_range - set(kept)
    check_later(chain, hi + 1, replaced)
    return Plan(branch, chain.tip, rng, front + items, groups, group_rows, kept, tokens, kept_tokens)


def locate(chain: Chain, rng: list[str], branch: str) -> int:
    """Where `rng` sits on the branch now; StaleCompressionError when it is no longer there whole."""
    i = chain.index(rng[0]) if rng else None
    if i is None or chain.order[i:i + len(rng)] != rng:
        raise StaleCompressionError(
            f"the commits this compression summarises are no longer on branch {branch} (it was reset, "
            "rewritten or compressed again); reject it and compress again")
    return i

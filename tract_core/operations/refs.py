"""Refs: branches under `refs/heads/`, a symbolic or detached HEAD, ORIG_HEAD; revisions
(`HEAD~2`, `main^2`, hash prefixes) resolved to commits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tract_core.errors import (AmbiguousPrefixError, BranchNotFoundError, InvalidRefNameError,
                               UnknownRevisionError)
from tract_core.storage import RefRow, Txn
from tract_core.storage.ids import ids_with_prefix

HEAD = "HEAD"
ORIG_HEAD = "ORIG_HEAD"
BRANCH_PREFIX = "refs/heads/"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$")
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


def branch_ref(name: str) -> str:
    if not isinstance(name, str):
        raise InvalidRefNameError(f"a branch name is a string, not {type(name).__name__}; "
                                  "list_branches() shows the branches")
    return BRANCH_PREFIX + name


def check_branch_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name or name.endswith(
            (".", "/", ".lock")) or "//" in name or name in (HEAD, ORIG_HEAD):
        raise InvalidRefNameError(
            f"invalid branch name {name!r}: use letters, digits and . _ / -, start with a letter or "
            "digit, at most 200 characters, no '..'")
    return name


@dataclass(slots=True)
class RefView:
    """All refs of a tract, read in one query."""

    refs: dict[str, RefRow]

    @classmethod
    def read(cls, tx: Txn, tract_id: str) -> RefView:
        return cls({r.name: r for r in tx.list_refs(tract_id)})

    @property
    def branch(self) -> str | None:
        """The current branch name, or None when HEAD is detached."""
        head = self.refs.get(HEAD)
        if head is None or head.symbolic is None:
            return None
        return head.symbolic.removeprefix(BRANCH_PREFIX)

    @property
    def head(self) -> str | None:
        """The commit HEAD points at (None on a branch with no commits yet)."""
        head = self.refs.get(HEAD)
        if head is None:
            return None
        if head.symbolic is not None:
            ref = self.refs.get(head.symbolic)
            return ref.commit_hash if ref else None
        return head.commit_hash

    def branches(self) -> dict[str, str | None]:
        return {n.removeprefix(BRANCH_PREFIX): r.commit_hash for n, r in self.refs.items()
                if n.startswith(BRANCH_PREFIX)}

    def branch_head(self, name: str) -> str | None:
        ref = self.refs.get(branch_ref(name))
        if ref is None:
            raise BranchNotFoundError(f"no branch {name!r}; list_branches() shows the branches")
        return ref.commit_hash


_SUFFIX = re.compile(r"(~|\^)(\d*)")
MAX_STEPS = 100_000


def _base(tx: Txn, tract_id: str, rev: str, view: RefView) -> str:
    """The commit a revision without `~`/`^` suffixes names: HEAD, ORIG_HEAD, a branch, a hash prefix."""
    if rev in (HEAD, ORIG_HEAD):
        h = view.head if rev == HEAD else (view.refs.get(ORIG_HEAD).commit_hash
                                           if ORIG_HEAD in view.refs else None)
        if h is None:
            raise UnknownRevisionError(f"{rev} points at no commit yet")
        return h
    if branch_ref(rev) in view.refs:
        h = view.refs[branch_ref(rev)].commit_hash
        if h is None:
            raise UnknownRevisionError(f"branch {rev!r} has no commits yet")
        return h
    low = rev.lower()
    if not _HEX.match(low):
        raise UnknownRevisionError(
            f"{rev!r} is neither a branch nor a commit hash: give HEAD, a branch name or 4 to 64 hex "
            "digits, optionally followed by ~N (N first parents back) or ^N (the Nth parent)")
    found = tx.find_prefix(tract_id, low)
    if not found:
        raise UnknownRevisionError(f"no commit matches {rev!r} in this tract; log() lists commits")
    if len(found) > 1:
        raise AmbiguousPrefixError(rev, found)
    return found[0]


def _split(rev: str) -> tuple[str, list[tuple[str, int]]]:
    """`main~2^2` → ("main", [("~", 2), ("^", 2)]); a bare `~` or `^` means 1."""
    cut = min((i for i in (rev.find("~"), rev.find("^")) if i >= 0), default=len(rev))
    base, rest = rev[:cut], rev[cut:]
    steps, pos = [], 0
    while pos < len(rest):
        m = _SUFFIX.match(rest, pos)
        if m is None or m.end() == pos:
            raise UnknownRevisionError(f"cannot read revision {rev!r}: after the name only ~N and ^N "
                                       "may follow")
        n = int(m.group(2)[:9]) if m.group(2) else 1
        if len(m.group(2)) > 9 or n > MAX_STEPS:
            raise UnknownRevisionError(f"revision {rev!r} goes back further than any history here")
        steps.append((m.group(1), n))
        pos = m.end()
    return base, steps


def _walk(tx: Txn, tract_id: str, rev: str, start: str, steps: list[tuple[str, int]]) -> str:
    """Follow `~N` (N first parents) and `^N` (the Nth parent; `^0` is the commit itself) steps."""
    h = start
    for op, n in steps:
        if n == 0:
            continue
        moves = [0] * n if op == "~" else [n - 1]
        rows = {r.hash: r for r in tx.ancestors(tract_id, h, depth=len(moves))}  # one query per step
        for k in moves:
            parents = rows[h].parents if h in rows else []
            if len(parents) <= k:
                raise UnknownRevisionError(
                    f"revision {rev!r} goes back past the first commit (or names a parent that commit "
                    f"{h[:12]} does not have)")
            h = parents[k]
    return h


def resolve(tx: Txn, tract_id: str, rev: str, view: RefView | None = None) -> str:
    """A full hash from a revision: `HEAD`, `ORIG_HEAD`, a branch name, a full hash or an
    unambiguous prefix (4+ hex digits), each optionally followed by `~N` (N first parents back) and
    `^N` (the Nth parent), as in git: `HEAD~3`, `main~1`, `3fa2b1c9^2`."""
    if not isinstance(rev, str) or not rev.strip():
        raise UnknownRevisionError("a revision is required: a commit hash (or prefix), a branch name, "
                                   "HEAD or HEAD~N")
    rev = rev.strip()
    view = view or RefView.read(tx, tract_id)
    if branch_ref(rev) in view.refs:  # a whole branch name, even one that looks like a suffix
        return _base(tx, tract_id, rev, view)
    base, steps = _split(rev)
    if not base:
        raise UnknownRevisionError(f"revision {rev!r} names no commit before its ~/^ suffix")
    h = _base(tx, tract_id, base, view)
    return _walk(tx, tract_id, rev, h, steps) if steps else h


_ID_WORDS = {"compression": "pending compressions", "record": "compile records", "event": "operation events"}


def expand_id(tx: Txn, tract_id: str, kind: str, given: str) -> str:
    """The full id of a pending compression, compile record or operation event (`kind`) from an
    unambiguous prefix of 4+ hex digits; anything matching nothing is returned as given, for the
    caller's own not-found error."""
    if not isinstance(given, str):
        return given
    low = given.strip().lower()
    if not _HEX.match(low):
        return given
    found = ids_with_prefix(tx, kind, tract_id, low)
    if low in found or not found:
        return low if low in found else given
    if len(found) > 1:
        raise AmbiguousPrefixError(given, found, _ID_WORDS[kind])
    return found[0]

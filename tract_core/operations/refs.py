"""Refs: branches under `refs/heads/`, a symbolic or detached HEAD, ORIG_HEAD; hash prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tract_core.errors import (AmbiguousPrefixError, BranchNotFoundError, CommitNotFoundError,
                               InvalidRefNameError)
from tract_core.storage import RefRow, Txn

HEAD = "HEAD"
DEFAULT_BRANCH = "main"
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
        """A tract not written yet reads as it will be created: HEAD on an empty main."""
        return cls({r.name: r for r in tx.list_refs(tract_id)} or cls.unborn())

    @staticmethod
    def unborn() -> dict[str, RefRow]:
        main = branch_ref(DEFAULT_BRANCH)
        return {HEAD: RefRow(HEAD, None, main), main: RefRow(main, None, None)}

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


def resolve(tx: Txn, tract_id: str, rev: str, view: RefView | None = None) -> str:
    """A full hash from a hash, an unambiguous prefix (4+ hex digits), a branch name or HEAD."""
    if not isinstance(rev, str) or not rev.strip():
        raise CommitNotFoundError("a commit hash (or prefix, or branch name) is required")
    rev = rev.strip()
    view = view or RefView.read(tx, tract_id)
    if rev in (HEAD, ORIG_HEAD):
        h = view.head if rev == HEAD else (view.refs.get(ORIG_HEAD).commit_hash
                                           if ORIG_HEAD in view.refs else None)
        if h is None:
            raise CommitNotFoundError(f"{rev} points at no commit yet")
        return h
    if branch_ref(rev) in view.refs and view.refs[branch_ref(rev)].commit_hash:
        return view.refs[branch_ref(rev)].commit_hash
    low = rev.lower()
    if not _HEX.match(low):
        raise CommitNotFoundError(f"{rev!r} is neither a branch nor a commit hash (4 to 64 hex digits)")
    found = tx.find_prefix(tract_id, low)
    if not found:
        raise CommitNotFoundError(f"no commit matches {rev!r} in this tract; log() lists commits")
    if len(found) > 1:
        raise AmbiguousPrefixError(rev, found)
    return found[0]

"""Bearer tokens scoped to tracts: `add_token` prints a new secret once and keeps only its sha256;
a request with it may read (and, unless read-only, write) only tracts whose names match the
token's pattern (shell-style, `team-a/*`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from fnmatch import fnmatchcase

from tract_core import clock
from tract_core.errors import InvalidOperationError
from tract_core.operations.committing import check_text
from tract_core.storage import Store
from tract_core.storage import access_tokens as tokens_q


@dataclass(frozen=True)
class TokenScope:
    name: str
    pattern: str
    read_only: bool

    def allows(self, tract: str) -> bool:
        return fnmatchcase(tract, self.pattern)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(store: Store, name: str, pattern: str, read_only: bool = False) -> str:
    for value, what in ((name, "name"), (pattern, "pattern")):
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise InvalidOperationError(f"a token's {what} must be a non-empty text of at most 255 characters")
        check_text(value, what)
    token = "tract_" + secrets.token_urlsafe(32)
    with store.write() as tx:
        if not tokens_q.add(tx, name, digest(token), pattern, read_only, clock.now_us()):
            raise InvalidOperationError(f"a token named {name!r} exists already; revoke it first")
    return token


def list_tokens(store: Store) -> list[TokenScope]:
    with store.read() as tx:
        return [TokenScope(r.name, r.pattern, bool(r.read_only)) for r in tokens_q.all_tokens(tx)]


def revoke_token(store: Store, name: str) -> None:
    with store.write() as tx:
        if not tokens_q.revoke(tx, name):
            raise InvalidOperationError(f"no token named {name!r}; `tract token list` shows them")


def scope_for(store: Store, token: str) -> TokenScope | None:
    with store.read() as tx:
        r = tokens_q.by_hash(tx, digest(token))
    return TokenScope(r.name, r.pattern, bool(r.read_only)) if r else None

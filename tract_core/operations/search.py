"""Search: the commits of a branch (or of every branch) whose content holds some words, or that
have a kind, role or tag; newest first, each with its words around the match."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from tract_core.errors import InvalidOperationError
from tract_core.models.commit import SearchHit
from tract_core.models.ids import short_id
from tract_core.operations.inspect import ROLES
from tract_core.operations.refs import RefView
from tract_core.operations.render import render, token_text
from tract_core.operations.repo import Repo
from tract_core.operations.tags import check_tag
from tract_core.storage import search as search_q
from tract_core.storage import tags as tags_q

SNIPPET = 120   # characters of context a hit shows
CHUNK = 200     # commits read at a time while filtering


def _check(text, kind, role, limit) -> list[str]:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidOperationError("limit must be a non-negative integer")
    if kind is not None and (not isinstance(kind, str) or not kind):
        raise InvalidOperationError("kind must be a content type name, e.g. 'dialogue' or 'tool_io'")
    if role is not None and role not in ROLES:
        raise InvalidOperationError(f"role must be one of {', '.join(ROLES)}")
    if text is None:
        return []
    if not isinstance(text, str):
        raise InvalidOperationError("search text must be a string")
    found = search_q.words(text)
    if not found:
        raise InvalidOperationError(f"search text {text!r} has no words to look for (letters or digits)")
    return found


def snippet(text: str, query_words: list[str], width: int = SNIPPET) -> str:
    """`text` on one line, cut to `width` characters around the first query word it holds."""
    flat = " ".join(text.split())
    starts = [m.start() for w in query_words
              if (m := re.search(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", flat, re.IGNORECASE))]
    lo = max(0, min(starts, default=0) - width // 3)
    out = flat[lo:lo + width]
    return ("…" if lo > 0 else "") + out + ("…" if lo + width < len(flat) else "")


def search(repo: Repo, text: str | None = None, *, kind: str | None = None, role: str | None = None,
           tag: str | None = None, branch: str | None = None, all_branches: bool = False,
           limit: int = 20) -> list[SearchHit]:
    query_words = _check(text, kind, role, limit)
    if tag is not None:
        check_tag(tag)
    with repo.store.read() as tx:
        view = RefView.read(tx, repo.tract_id)
        if all_branches:
            heads = [h for h in view.branches().values() if h]
        else:
            heads = [view.branch_head(branch) if branch is not None else view.head]
        reachable: set[str] = set()
        for h in heads:
            if h is not None and h not in reachable:
                reachable |= reachable_from(repo, tx, h)
        if not reachable or limit == 0:
            return []
        hits: list[SearchHit] = []
        batch: list[tuple[str, int]] = []
        for h, us in _candidates(tx, repo.tract_id, query_words, kind, tag):
            if h in reachable:
                batch.append((h, us))
            if len(batch) == CHUNK:
                hits += _hits(tx, repo.tract_id, batch, query_words, role, limit - len(hits))
                batch = []
                if len(hits) == limit:
                    break
        if batch and len(hits) < limit:
            hits += _hits(tx, repo.tract_id, batch, query_words, role, limit - len(hits))
        tags = tags_q.tags_by_commit(tx, repo.tract_id, (hit.hash for hit in hits))
    return [hit.model_copy(update={"tags": tags.get(hit.hash, [])}) for hit in hits]


def _candidates(tx, tract_id: str, query_words: list[str], kind: str | None, tag: str | None):
    """(hash, created_us) of the tract's commits that match, newest first, read lazily."""
    if query_words:
        yield from search_q.matching_commits(tx, tract_id, query_words, kind, tag)
        return
    after = None
    while True:
        page = search_q.commits_page(tx, tract_id, kind=kind, tag=tag, after=after)
        yield from page
        if len(page) < search_q.PAGE:
            return
        after = (page[-1][1], page[-1][0])


def _hits(tx, tract_id: str, batch: list[tuple[str, int]], query_words: list[str], role: str | None,
          room: int) -> list[SearchHit]:
    """Hits for `batch` (read with content in one query), of `role` if given, at most `room`."""
    rows = tx.get_commits(tract_id, [h for h, _ in batch])
    out = []
    for h, us in batch:
        hit = _hit(rows[h], query_words, us)
        if role is None or hit.role == role:
            out.append(hit)
            if len(out) == room:
                break
    return out


def reachable_from(repo: Repo, tx, head: str) -> set[str]:
    """Every commit `head` reaches. The last answer is kept: when `head` is a few commits this
    process made on top of it, only those are added (an agent searching as it works pays the walk
    of its history once)."""
    cached = repo.reachable
    if cached is not None:
        known_head, known = cached
        new, h = [], head
        while h != known_head and h in repo.recent and len(repo.recent[h].parents) == 1:
            new.append(h)
            h = repo.recent[h].parents[0]
        if h == known_head:
            known.update(new)
            repo.reachable = (head, known)
            return known
    found = tx.ancestor_hashes(head)
    repo.reachable = (head, found)
    return found


def _hit(row, query_words: list[str], created_us: int) -> SearchHit:
    if row.body is None:  # a merge commit
        kind, role, shown = None, None, row.message or ""
    else:
        data = json.loads(row.body)
        kind, role, shown = data["content_type"], render(data).role, token_text(data)
    return SearchHit(hash=row.hash, short=short_id(row.hash), kind=kind, role=role,
                     snippet=snippet(shown, query_words),
                     created_at=datetime.fromtimestamp(created_us / 1e6, tz=timezone.utc))

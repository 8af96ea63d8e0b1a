"""Tags: names on commits, shown by log and show, and searchable (`search(tag=…)`)."""

from __future__ import annotations

import re

from tract_core.errors import InvalidTagError
from tract_core.models.commit import CommitInfo
from tract_core.operations.refs import resolve
from tract_core.operations.repo import Repo
from tract_core.storage import tags as tags_q

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._:/-]{0,99}$")


def check_tag(name: str) -> str:
    if not isinstance(name, str) or not _TAG.match(name):
        raise InvalidTagError(f"invalid tag {name!r}: use letters, digits and . _ : / -, start with a letter "
                              "or digit, at most 100 characters")
    return name


def _names(names: tuple[str, ...]) -> list[str]:
    if not names:
        raise InvalidTagError("name at least one tag, e.g. tag('HEAD', 'decision')")
    return list(dict.fromkeys(check_tag(n) for n in names))


def tag(repo: Repo, rev: str, names: tuple[str, ...]) -> CommitInfo:
    """Put `names` on the commit `rev` names (a tag it has already is kept once)."""
    wanted = _names(names)
    with repo.store.write() as tx:
        full = resolve(tx, repo.tract_id, rev)
        tags_q.add_tags(tx, repo.tract_id, full, wanted)
        return _info(repo, tx, full)


def untag(repo: Repo, rev: str, names: tuple[str, ...]) -> CommitInfo:
    """Take `names` off the commit (names it does not have are ignored)."""
    wanted = _names(names)
    with repo.store.write() as tx:
        full = resolve(tx, repo.tract_id, rev)
        tags_q.remove_tags(tx, repo.tract_id, full, wanted)
        return _info(repo, tx, full)


def _info(repo: Repo, tx, full: str) -> CommitInfo:
    tags = tags_q.tags_by_commit(tx, repo.tract_id, [full]).get(full)
    return repo.info(tx.get_commit(repo.tract_id, full), tags)


def with_tags(repo: Repo, tx, rows) -> list[CommitInfo]:
    """CommitInfos of `rows`, each with its tags (one query)."""
    tags = tags_q.tags_by_commit(tx, repo.tract_id, (r.hash for r in rows))
    return [repo.info(r, tags.get(r.hash)) for r in rows]

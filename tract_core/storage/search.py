"""Full-text search over commit contents: each blob's words, indexed when the blob is written (in the
commit's own transaction). SQLite: an FTS5 table; PostgreSQL: a tsvector column with a GIN index.

Both engines index the same words, split here (runs of letters and digits, lower-cased), and take
them as they are (PostgreSQL's lexemes come from `array_to_tsvector`, not its text parser, which
drops or splits some characters), so a query matches the same commits on either.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, text

from tract_core.storage import schema as s

if TYPE_CHECKING:
    from tract_core.storage.store import Txn

_WORD = re.compile(r"[^\W_]+")
# fields that say what a content is rather than what it says
_STRUCTURAL = frozenset({"content_type", "role", "direction", "call_id", "mime_type", "is_error"})
# PostgreSQL refuses a tsvector over 1 MB: a content's first 150,000 characters of words are indexed
# (at most 600 KB of text plus 4 bytes a word), which holds any turn an agent writes; a huge tool
# output is found by its start
MAX_CHARS = 150_000
MAX_WORD = 200  # longer runs (a base64 blob) are not words anyone searches for; PostgreSQL refuses them
PAGE = 500  # commits read at a time when searching by kind, role or tag alone


def words(text_: str) -> list[str]:
    return [w for w in _WORD.findall(text_.lower()) if len(w) <= MAX_WORD]


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(str(value))


def search_words(body: str) -> str:
    """The words of a stored content (its JSON body) that search matches, space-separated."""
    return content_words(json.loads(body))


def content_words(data: Any) -> str:
    """The words of a content (as a dict): its strings and numbers, not the fields naming its kind."""
    out: list[str] = []
    _strings({k: v for k, v in data.items() if k not in _STRUCTURAL} if isinstance(data, dict) else data,
             out)
    joined = " ".join(words(" ".join(out)[:4 * MAX_CHARS]))
    return joined if len(joined) <= MAX_CHARS else joined[:joined.rfind(" ", 0, MAX_CHARS + 1)]


def unindex_blobs(tx: Txn, hashes: list[str]) -> None:
    """Take blobs about to be deleted out of SQLite's index (PostgreSQL's rows go with the blob by
    cascade). The index keeps no copy of the words (revision 0010): a contentless FTS5 table is told
    which words a row (the blob's id, revision 0012) had, found again from the blob's body as they were
    when it was indexed."""
    if tx.dialect == "postgresql" or not hashes:
        return
    from tract_core.storage import hot

    for id_, body in hot.search_ids(tx.driver, hashes):
        hot.unindex_words(tx.driver, id_, search_words(body))


def matching_commits(tx: Txn, tract_id: str, query_words: list[str], kind: str | None = None,
                     tag: str | None = None) -> list[tuple[str, int]]:
    """(hash, created_us) of the tract's commits whose content has every word (and the kind and tag,
    when given), newest first; any commit of the tract: the caller keeps those its branches reach."""
    if tx.dialect == "postgresql":
        sql = ("SELECT c.hash, c.created_us FROM blob_search s JOIN commits c ON c.content_hash = s.hash "
               "JOIN blobs b ON b.hash = s.hash WHERE s.tsv @@ CAST(:q AS tsquery) AND c.tract_id = :t")
        q = " & ".join(f"'{w}'" for w in query_words)  # quoted lexemes, taken as they are
    else:
        # CROSS JOIN fixes the order (SQLite's planner may otherwise scan the tract's commits and
        # probe the full-text index for each: seconds instead of milliseconds); the unary + keeps
        # each match's commits looked up by content (ix_commits_content), never by a scan of the
        # tract's commits per match
        sql = ("SELECT c.hash, c.created_us FROM blob_fts f "
               "CROSS JOIN blobs b ON b.id = f.rowid "
               "CROSS JOIN commits c ON c.content_hash = b.hash WHERE blob_fts MATCH :q AND +c.tract_id = :t")
        q = " ".join(f'"{w}"' for w in query_words)
    params: dict[str, Any] = {"q": q, "t": tract_id}
    if kind is not None:
        sql += " AND b.content_type = :kind"
        params["kind"] = kind
    if tag is not None:
        sql += (" AND EXISTS (SELECT 1 FROM tags g WHERE g.tract_id = c.tract_id AND g.commit_hash = c.hash"
                " AND g.name = :tag)")
        params["tag"] = tag
    rows = tx.conn.execute(text(sql + " ORDER BY c.created_us DESC, c.hash DESC"), params)
    return [(h, us) for h, us in rows]


def commits_page(tx: Txn, tract_id: str, *, kind: str | None = None, tag: str | None = None,
                 after: tuple[int, str] | None = None, size: int = PAGE) -> list[tuple[str, int]]:
    """(hash, created_us) of up to `size` commits of the tract (of that kind, with that tag), newest
    first, starting after the (created_us, hash) a previous page ended at; the index on
    (tract_id, created_us) serves them in order (SQLite sorts only commits of the same microsecond by
    hash; PostgreSQL's index has the hash too), so a search stops reading when it has enough."""
    c, b, g = s.commits, s.blobs, s.tags
    base = c
    if kind is not None:
        base = base.join(b, b.c.hash == c.c.content_hash)
    if tag is not None:
        base = base.join(g, and_(g.c.tract_id == c.c.tract_id, g.c.commit_hash == c.c.hash))
    q = select(c.c.hash, c.c.created_us).select_from(base).where(c.c.tract_id == tract_id)
    if kind is not None:
        q = q.where(b.c.content_type == kind)
    if tag is not None:
        q = q.where(g.c.name == tag)
    if after is not None:
        us, h = after
        q = q.where(or_(c.c.created_us < us, and_(c.c.created_us == us, c.c.hash < h)))
    q = q.order_by(c.c.created_us.desc(), c.c.hash.desc()).limit(size)
    return [(h, us) for h, us in tx.conn.execute(q)]

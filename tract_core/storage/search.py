"""Full-text search over commit contents: each blob's words, indexed when the blob is written (in the
commit's own transaction). SQLite: an FTS5 table; PostgreSQL: a tsvector column with a GIN index.

Both engines index the same words, split here (runs of letters and digits, lower-cased), so a
query matches the same commits on either.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from tract_core.storage.store import Txn

_WORD = re.compile(r"[^\W_]+")
# fields that say what a content is rather than what it says
_STRUCTURAL = frozenset({"content_type", "role", "direction", "call_id", "mime_type", "is_error"})
MAX_CHARS = 400_000  # PostgreSQL refuses a tsvector over 1 MB; the start of a huge output is enough


def words(text_: str) -> list[str]:
    return _WORD.findall(text_.lower())


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
    data = json.loads(body)
    out: list[str] = []
    _strings({k: v for k, v in data.items() if k not in _STRUCTURAL} if isinstance(data, dict) else data,
             out)
    return " ".join(words(" ".join(out)[:MAX_CHARS]))


def index_blob(tx: Txn, blob_hash: str, body: str) -> None:
    """Index a blob just inserted, in the caller's transaction."""
    index_words(tx.conn, tx.dialect, blob_hash, search_words(body))


def index_words(conn, dialect: str, blob_hash: str, blob_words: str) -> None:
    if dialect == "postgresql":
        conn.execute(text("INSERT INTO blob_search (hash, tsv) VALUES (:h, to_tsvector('simple', :w)) "
                          "ON CONFLICT (hash) DO NOTHING"), {"h": blob_hash, "w": blob_words})
        return
    row_id = conn.execute(text("INSERT INTO blob_search_ids (hash) VALUES (:h) ON CONFLICT (hash) "
                               "DO NOTHING RETURNING id"), {"h": blob_hash}).scalar()
    if row_id is not None:
        conn.execute(text("INSERT INTO blob_fts (rowid, words) VALUES (:id, :w)"),
                     {"id": row_id, "w": blob_words})


def matching_commits(tx: Txn, tract_id: str, query_words: list[str]) -> list[tuple[str, str, int]]:
    """(hash, content_type, created_us) of the tract's commits whose content has every word, newest
    first (any commit of the tract: the caller keeps those its branches reach)."""
    if tx.dialect == "postgresql":
        match = ("JOIN blob_search s ON s.hash = c.content_hash "
                 "WHERE s.tsv @@ to_tsquery('simple', :q)")
        q = " & ".join(query_words)
    else:
        match = ("JOIN blob_search_ids i ON i.hash = c.content_hash "
                 "WHERE i.id IN (SELECT rowid FROM blob_fts WHERE blob_fts MATCH :q)")
        q = " ".join(f'"{w}"' for w in query_words)
    rows = tx.conn.execute(text(
        "SELECT c.hash, b.content_type, c.created_us FROM commits c "
        f"JOIN blobs b ON b.hash = c.content_hash {match} AND c.tract_id = :t "
        "ORDER BY c.created_us DESC, c.hash"), {"q": q, "t": tract_id})
    return [tuple(r) for r in rows]


def all_commits(tx: Txn, tract_id: str) -> list[tuple[str, str | None, int]]:
    """(hash, content_type, created_us) of every commit of the tract, newest first."""
    rows = tx.conn.execute(text(
        "SELECT c.hash, b.content_type, c.created_us FROM commits c "
        "LEFT JOIN blobs b ON b.hash = c.content_hash WHERE c.tract_id = :t "
        "ORDER BY c.created_us DESC, c.hash"), {"t": tract_id})
    return [tuple(r) for r in rows]

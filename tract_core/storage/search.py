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

from sqlalchemy import text

if TYPE_CHECKING:
    from tract_core.storage.store import Txn

_WORD = re.compile(r"[^\W_]+")
# fields that say what a content is rather than what it says
_STRUCTURAL = frozenset({"content_type", "role", "direction", "call_id", "mime_type", "is_error"})
MAX_CHARS = 400_000  # PostgreSQL refuses a tsvector over 1 MB; the start of a huge output is enough


MAX_WORD = 200  # longer runs (a base64 blob) are not words anyone searches for; PostgreSQL refuses them


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
    return " ".join(words(" ".join(out)[:MAX_CHARS]))


def index_blob(tx: Txn, blob_hash: str, body: str, blob_words: str | None = None) -> None:
    """Index a blob just inserted, in the caller's transaction (`blob_words`: its words, if the caller
    has them already, computed before the transaction)."""
    index_words(tx.conn, tx.dialect, blob_hash, search_words(body) if blob_words is None else blob_words)


# built once: compiling a textual statement on every commit costs more than running it
_PG_INSERT = text("INSERT INTO blob_search (hash, tsv) "
                  "VALUES (:h, array_to_tsvector(string_to_array(:w, ' '))) ON CONFLICT (hash) DO NOTHING")
_ID_INSERT = text("INSERT INTO blob_search_ids (hash) VALUES (:h) ON CONFLICT (hash) DO NOTHING RETURNING id")
_FTS_INSERT = text("INSERT INTO blob_fts (rowid, words) VALUES (:id, :w)")


def index_words(conn, dialect: str, blob_hash: str, blob_words: str) -> None:
    if dialect == "postgresql":
        conn.execute(_PG_INSERT, {"h": blob_hash, "w": blob_words})
        return
    row_id = conn.execute(_ID_INSERT, {"h": blob_hash}).scalar()
    if row_id is not None:
        conn.execute(_FTS_INSERT, {"id": row_id, "w": blob_words})


def matching_commits(tx: Txn, tract_id: str, query_words: list[str]) -> list[tuple[str, str, int]]:
    """(hash, content_type, created_us) of the tract's commits whose content has every word, newest
    first (any commit of the tract: the caller keeps those its branches reach)."""
    if tx.dialect == "postgresql":
        sql = ("SELECT c.hash, b.content_type, c.created_us FROM blob_search s "
               "JOIN commits c ON c.content_hash = s.hash JOIN blobs b ON b.hash = s.hash "
               "WHERE s.tsv @@ CAST(:q AS tsquery) AND c.tract_id = :t")
        q = " & ".join(f"'{w}'" for w in query_words)  # quoted lexemes, taken as they are
    else:
        # CROSS JOIN fixes the order (SQLite's planner may otherwise scan the tract's commits and
        # probe the full-text index for each: seconds instead of milliseconds)
        sql = ("SELECT c.hash, b.content_type, c.created_us FROM blob_fts f "
               "CROSS JOIN blob_search_ids i ON i.id = f.rowid "
               "CROSS JOIN commits c ON c.content_hash = i.hash "
               "CROSS JOIN blobs b ON b.hash = i.hash WHERE blob_fts MATCH :q AND c.tract_id = :t")
        q = " ".join(f'"{w}"' for w in query_words)
    rows = tx.conn.execute(text(sql + " ORDER BY c.created_us DESC, c.hash"), {"q": q, "t": tract_id})
    return [tuple(r) for r in rows]


def all_commits(tx: Txn, tract_id: str) -> list[tuple[str, str | None, int]]:
    """(hash, content_type, created_us) of every commit of the tract, newest first."""
    rows = tx.conn.execute(text(
        "SELECT c.hash, b.content_type, c.created_us FROM commits c "
        "LEFT JOIN blobs b ON b.hash = c.content_hash WHERE c.tract_id = :t "
        "ORDER BY c.created_us DESC, c.hash"), {"t": tract_id})
    return [tuple(r) for r in rows]

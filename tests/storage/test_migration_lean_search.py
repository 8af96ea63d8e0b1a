"""Revision 0010 (a contentless full-text index, one index fewer on commits): a store written by the
revision before it reads, compiles and searches the same after the upgrade, and keeps doing so as it
is written to and garbage-collected."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.storage import Store
from tract_core.storage.engine import current_revision, head_revision
from tract_core.storage.search import search_words

TURNS = [("a" * 64, "1" * 64, '{"content_type":"dialogue","role":"user","text":"the parser drops a token"}'),
         ("b" * 64, "2" * 64, '{"content_type":"dialogue","role":"assistant","text":"fix the parser offset"}'),
         ("c" * 64, "3" * 64, '{"content_type":"dialogue","role":"user","text":"orphaned words here"}')]


def write_revision_0009_store(store: Store) -> None:
    """Two commits on main and one that nothing reaches, as revision 0009's tract wrote them (plain SQL,
    each blob's words in blob_search_ids, its trigger filling the index)."""
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO tracts (id, created_us) VALUES ('old', 1000)"))
        parent = None
        for i, (blob, commit, body) in enumerate(TURNS):
            conn.execute(text("INSERT INTO blobs (hash, content_type, body, token_count) "
                              "VALUES (:h, 'dialogue', :b, 5)"), {"h": blob, "b": body})
            if store.dialect == "sqlite":
                conn.execute(text("INSERT INTO blob_search_ids (hash, words) VALUES (:h, :w)"),
                             {"h": blob, "w": search_words(body)})
            else:
                conn.execute(text("INSERT INTO blob_search (hash, tsv) "
                                  "VALUES (:h, array_to_tsvector(string_to_array(:w, ' ')))"),
                             {"h": blob, "w": search_words(body)})
            orphan = i == 2
            conn.execute(text(
                "INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, message, meta,"
                " created_us, generation) VALUES (:h, 'old', 'append', NULL, :b, NULL, NULL, :t, :g)"),
                {"h": commit, "b": blob, "t": 1_000 + i, "g": 0 if orphan else i})
            if parent is not None and not orphan:
                conn.execute(text("INSERT INTO commit_parents (child, position, parent) VALUES (:c, 0, :p)"),
                             {"c": commit, "p": parent})
            parent = commit
        conn.execute(text("INSERT INTO refs (tract_id, name, commit_hash, symbolic) VALUES "
                          "('old', 'refs/heads/main', :h, NULL), ('old', 'HEAD', NULL, 'refs/heads/main')"),
                     {"h": TURNS[1][1]})


def test_a_revision_0009_store_reads_compiles_and_searches_the_same_after_0010(store_url):
    old = Store(store_url, migrate_to="0009")
    write_revision_0009_store(old)
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        assert [c.hash for c in t.log()] == [TURNS[1][1], TURNS[0][1]]
        assert [m.content for m in t.compile().messages] == ["the parser drops a token", "fix the parser offset"]
        assert [h.hash for h in t.search("parser")] == [TURNS[1][1], TURNS[0][1]]
        assert [h.hash for h in t.search("offset")] == [TURNS[1][1]]
        new = t.user("a parser test after the upgrade")
        assert [h.hash for h in t.search("parser")] == [new.hash, TURNS[1][1], TURNS[0][1]]
        assert [h.hash for h in t.search("orphaned", all_branches=True)] == []  # not reachable

        # gc deletes the orphan's blob and takes its words out of the index
        assert t.gc(orphan_retention_days=0).commits_removed == 1
        with t.store.read() as tx:
            if t.store.dialect == "sqlite":
                assert tx.conn.execute(text("SELECT count(*) FROM blob_fts WHERE blob_fts MATCH 'orphaned'")
                                       ).scalar() == 0
                assert tx.conn.execute(text("SELECT count(*) FROM blob_fts WHERE blob_fts MATCH 'parser'")
                                       ).scalar() == 3
            else:
                assert tx.conn.execute(text("SELECT count(*) FROM blob_search")).scalar() == 3
        assert [h.hash for h in t.search("parser")] == [new.hash, TURNS[1][1], TURNS[0][1]]


def test_every_table_of_a_new_store_can_be_read_whole(sqlite_url):
    """What a dump of every table does (a contentless index without column sizes refuses scans)."""
    with Tract.open(sqlite_url, counter=WordCounter()) as t:
        t.user("some words to index")
        with t.store.read() as tx:
            names = tx.conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%'")).scalars().all()
            for name in names:
                tx.conn.execute(text(f'SELECT * FROM "{name}"')).all()

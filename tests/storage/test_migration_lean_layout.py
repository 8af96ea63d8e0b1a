"""Revision 0012 (SQLite's blobs keyed by the integer id the full-text index uses, commit_parents without
a rowid, the unused index on parents gone, edits indexed alone): a store written by revision 0011 reads,
compiles, searches and garbage-collects the same after the upgrade, on both engines."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, inspect, text

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.storage import Store
from tract_core.storage.engine import _alembic_config, current_revision, head_revision
from tract_core.storage.search import commits_page, search_words

ROOT, SECOND, EDIT, SIDE, MERGE, ORPHAN = ("1" * 64, "2" * 64, "3" * 64, "4" * 64, "5" * 64, "6" * 64)


def _body(text_: str, role: str = "user") -> str:
    return f'{{"content_type":"dialogue","role":"{role}","text":"{text_}"}}'


# blob hash, body, the id revision 0011's search index gave it (not the blobs' own row order)
BLOBS = [("a" * 64, _body("the root words"), 30), ("b" * 64, _body("a second turn", "assistant"), 10),
         ("c" * 64, _body("the root words edited"), 20), ("d" * 64, _body("a side branch"), 50),
         ("e" * 64, _body("merged both"), 40), ("f" * 64, _body("orphaned zebra"), 60)]
# commit, blob index, operation, edit target, parents, created_us, generation
COMMITS = [(ROOT, 0, "append", None, [], 1_000, 0), (SECOND, 1, "append", None, [ROOT], 2_000, 1),
           (EDIT, 2, "edit", ROOT, [SECOND], 3_000, 2), (SIDE, 3, "append", None, [ROOT], 4_000, 1),
           (MERGE, 4, "append", None, [EDIT, SIDE], 5_000, 3), (ORPHAN, 5, "append", None, [], 6_000, 0)]
UNINDEXED = "b" * 64  # SQLite: a blob revision 0011's index lacks (none should): the upgrade indexes it


def write_revision_0011_store(store: Store) -> None:
    """As revision 0011's tract wrote them, in plain SQL: SQLite's index ids in blob_search_ids."""
    sqlite = store.dialect == "sqlite"
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO tracts (id, created_us) VALUES ('old', 1000)"))
        for h, body, id_ in BLOBS:
            conn.execute(text("INSERT INTO blobs (hash, content_type, body, token_count) VALUES (:h, 'dialogue', "
                              ":b, 4)"), {"h": h, "b": body})
            if not sqlite:
                conn.execute(text("INSERT INTO blob_search (hash, tsv) "
                                  "VALUES (:h, array_to_tsvector(string_to_array(:w, ' ')))"),
                             {"h": h, "w": search_words(body)})
            elif h != UNINDEXED:
                conn.execute(text("INSERT INTO blob_search_ids (id, hash) VALUES (:i, :h)"), {"i": id_, "h": h})
                conn.execute(text("INSERT INTO blob_fts (rowid, words) VALUES (:i, :w)"),
                             {"i": id_, "w": search_words(body)})
        for h, blob, op, target, parents, at, gen in COMMITS:
            conn.execute(text(
                "INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, message, meta,"
                " created_us, generation) VALUES (:h, 'old', :o, :e, :b, NULL, NULL, :t, :g)"),
                {"h": h, "o": op, "e": target, "b": BLOBS[blob][0], "t": at, "g": gen})
            for i, p in enumerate(parents):
                conn.execute(text("INSERT INTO commit_parents (child, position, parent) VALUES (:c, :i, :p)"),
                             {"c": h, "i": i, "p": p})
        conn.execute(text("INSERT INTO refs (tract_id, name, commit_hash, symbolic) VALUES "
                          "('old', 'refs/heads/main', :m, NULL), ('old', 'refs/heads/merged', :x, NULL), "
                          "('old', 'HEAD', NULL, 'refs/heads/main')"), {"m": EDIT, "x": MERGE})


def _indexed(store: Store, word: str) -> int:
    with store.read() as tx:
        if store.dialect == "sqlite":
            return tx.conn.execute(text("SELECT count(*) FROM blob_fts WHERE blob_fts MATCH :w"),
                                   {"w": f'"{word}"'}).scalar()
        return tx.conn.execute(text("SELECT count(*) FROM blob_search WHERE tsv @@ CAST(:w AS tsquery)"),
                               {"w": word}).scalar()


def test_a_revision_0011_store_reads_searches_and_collects_the_same_after_0012(store_url):
    old = Store(store_url, migrate_to="0011")
    write_revision_0011_store(old)
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        assert [c.hash for c in t.log()] == [EDIT, SECOND, ROOT]
        assert t.show(MERGE).parents == [EDIT, SIDE]  # a merge's parents, in order
        assert [c.hash for c in t.edit_history(ROOT)] == [ROOT, EDIT]
        assert [m.content for m in t.compile().messages] == ["the root words edited", "a second turn"]
        # every blob is found under the id the old index gave it, and the unindexed one now too
        assert [h.hash for h in t.search("root")] == [EDIT, ROOT]
        assert [h.hash for h in t.search("second")] == [SECOND]
        assert [h.hash for h in t.search("merged", all_branches=True)] == [MERGE]
        new = t.user("root words after the upgrade")
        assert [h.hash for h in t.search("root")] == [new.hash, EDIT, ROOT]
        again = t.commit({"content_type": "dialogue", "role": "user", "text": "the root words again"},
                         operation="edit", edit_target=ROOT)
        assert [c.hash for c in t.edit_history(ROOT)] == [ROOT, EDIT, again.hash]

        assert t.gc(orphan_retention_days=0).commits_removed == 1  # the orphan, with its blob and words
        assert _indexed(t.store, "zebra") == 0 and _indexed(t.store, "second") == 1
        names = inspect(t.store.engine)
        assert "ix_commit_parents_parent" not in {i["name"] for i in names.get_indexes("commit_parents")}
        if t.store.dialect == "sqlite":
            assert "blob_search_ids" not in names.get_table_names()
            with t.store.write() as tx:
                assert tx.conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                sql = tx.conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'commit_parents'").scalar()
            assert sql.endswith("WITHOUT ROWID")
            by_name = {i["name"]: i["column_names"] for i in names.get_indexes("commits")}
            assert by_name["ix_commits_tract_created"] == ["tract_id", "created_us"]


def test_search_ids_stay_the_blobs_own_across_vacuum(sqlite_url):
    with Tract.open(sqlite_url, "t", counter=WordCounter()) as t:
        kept = [t.user(f"turn {i} about {w}") for i, w in enumerate(["apples", "pears", "plums"] * 3)]
        t.reset(kept[3].hash, mode="hard")
        t.gc(orphan_retention_days=0)  # blobs deleted in the middle leave gaps in the ids
        with sqlite3.connect(sqlite_url, isolation_level=None) as con:
            con.execute("VACUUM")
        assert [h.hash for h in t.search("pears")] == [kept[1].hash]
        assert [h.hash for h in t.search("apples")] == [kept[3].hash, kept[0].hash]


def test_search_and_edits_read_by_index_not_by_scan(sqlite_url):
    with Tract.open(sqlite_url, "t", counter=WordCounter()) as t:
        first = t.user("hello world")
        for i in range(20):
            t.user(f"turn {i}")
        seen: list[tuple[str, tuple]] = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            if "MATCH" in statement or "edit_target =" in statement:
                seen.append((statement, parameters))

        event.listen(t.store.engine, "before_cursor_execute", keep)
        assert [h.hash for h in t.search("hello")] == [first.hash]
        assert [c.hash for c in t.edit_history(first.hash)] == [first.hash]
        event.remove(t.store.engine, "before_cursor_execute", keep)
        with t.store.read() as tx:
            search, edits = [" | ".join(r[-1] for r in tx.conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                             for sql, params in seen]
    # each match's commits are looked up by content, not found by scanning the tract's commits
    assert "b USING INTEGER PRIMARY KEY" in search and "c USING INDEX ix_commits_content" in search, search
    assert "USING INDEX ix_commits_edit_target" in edits, edits


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_revision_0012_downgrades_to_0011_with_the_index_intact(engine, request):
    url = request.getfixturevalue("sqlite_url" if engine == "sqlite" else "pg_url")
    old = Store(url, migrate_to="0011")
    write_revision_0011_store(old)
    old.close()
    Store(url).close()
    from alembic import command

    store = Store(url, migrate_to="0012")
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        command.downgrade(_alembic_config(conn), "0011")
    store.close()
    with Store(url, migrate_to="0011").engine.connect() as conn:
        assert current_revision(conn.engine) == "0011"
        if engine == "sqlite":
            rows = conn.exec_driver_sql("SELECT i.id, b.hash FROM blob_search_ids i JOIN blobs b ON b.hash = i.hash "
                                        "ORDER BY i.id").all()
            # the ids the index had, and the one the upgrade gave the blob it lacked, after them
            assert [h for _, h in rows] == [h for h, _, i in sorted(BLOBS, key=lambda b: (b[0] == UNINDEXED, b[2]))]
            assert conn.exec_driver_sql("SELECT count(*) FROM blob_fts WHERE blob_fts MATCH 'root'").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert "ix_commit_parents_parent" in {i["name"] for i in inspect(conn).get_indexes("commit_parents")}
        by_name = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("commits")}
        assert by_name["ix_commits_tract_created"] == ["tract_id", "created_us", "hash"]


def test_commits_of_one_microsecond_page_in_hash_order(store_url):
    """SQLite's index by tract and time no longer holds the hash: ties are still ordered, page after page."""
    with Tract.open(store_url, "t", counter=WordCounter()) as t:
        made = [t.user(f"turn {i}").hash for i in range(7)]
        with t.store.write() as tx:
            tx.conn.execute(text("UPDATE commits SET created_us = 5 WHERE tract_id = 't'"))
        pages, after = [], None
        with t.store.read() as tx:
            while page := commits_page(tx, "t", kind="dialogue", after=after, size=3):
                pages.append(page)
                after = (page[-1][1], page[-1][0])
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [h for p in pages for h, _ in p] == sorted(made, reverse=True)

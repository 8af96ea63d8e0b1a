"""A store created by an older migration upgrades on open with its data intact; openers may race."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import inspect, text

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.errors import StorageError
from tract_core.storage import Store
from tract_core.storage.engine import current_revision, head_revision

BLOB = "b" * 64
ROOT, CHILD = "1" * 64, "2" * 64


def write_revision_0001_data(store: Store) -> None:
    """Rows as a 0001-era tract wrote them: plain SQL, no help from today's code."""
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO tracts (id, created_us) VALUES ('old', 1000)"))
        conn.execute(text(
            "INSERT INTO blobs (hash, content_type, body, token_count) VALUES (:h, 'dialogue', :b, 3)"),
            {"h": BLOB, "b": '{"content_type":"dialogue","role":"user","text":"hello old world"}'})
        for h, gen, t in ((ROOT, 0, 2000), (CHILD, 1, 3000)):
            conn.execute(text(
                "INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, message, meta,"
                " created_us, generation) VALUES (:h, 'old', 'append', NULL, :b, NULL, NULL, :t, :g)"),
                {"h": h, "b": BLOB, "t": t, "g": gen})
        conn.execute(text("INSERT INTO commit_parents (child, position, parent) VALUES (:c, 0, :p)"),
                     {"c": CHILD, "p": ROOT})
        conn.execute(text("INSERT INTO refs (tract_id, name, commit_hash, symbolic) VALUES "
                          "('old', 'refs/heads/main', :h, NULL), ('old', 'HEAD', NULL, 'refs/heads/main')"),
                     {"h": CHILD})
        conn.execute(text("INSERT INTO annotations (tract_id, commit_hash, priority, reason, branch,"
                          " created_us) VALUES ('old', :h, 'pinned', 'keep', 'main', 4000)"), {"h": ROOT})


@pytest.mark.parametrize("old_revision", ["0001", "0002"])
def test_an_older_store_upgrades_on_open_with_its_data_intact(store_url, old_revision):
    old = Store(store_url, migrate_to=old_revision)
    assert current_revision(old.engine) == old_revision
    assert "idempotency_keys" not in inspect(old.engine).get_table_names()
    write_revision_0001_data(old)
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision() != old_revision
        with t.store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
                head_revision()]
        assert {"operation_events", "idempotency_keys"} <= set(inspect(t.store.engine).get_table_names())
        log = t.log()
        assert [c.hash for c in log] == [CHILD, ROOT]
        assert log[0].parents == [ROOT]
        assert log[0].content.text == "hello old world" and log[0].token_count == 3
        assert t.show(ROOT[:8]).priority.value == "pinned"
        assert t.compile().commit_hashes == [ROOT, CHILD]
        new = t.user("written after the upgrade")
        assert new.parents == [CHILD]

    # and opening again is a no-op on the schema
    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        assert len(t.log()) == 3


def test_migrating_an_up_to_date_store_changes_nothing(store_url):
    Store(store_url).close()
    store = Store(store_url, migrate_to="head")
    assert current_revision(store.engine) == head_revision()
    store.close()


OPEN_AND_COMMIT = """
import sys, time
from pathlib import Path
from tract_core import Tract
from tract_core.errors import StorageError

class Words:
    def count(self, text):
        return len(text.split())

go = Path(sys.argv[2])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
with Tract.open(sys.argv[1], counter=Words()) as t:
    print(t.user("opened by " + sys.argv[3]).hash)
"""


@pytest.mark.slow
def test_processes_opening_a_fresh_store_at_once_all_succeed(store_url, tmp_path):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_COMMIT, store_url, str(go), str(i)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    for p in procs:
        p.stdout.readline()  # "ready": imported, about to wait for the start
    go.touch()
    outs = [p.communicate(timeout=60) for p in procs]

    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    hashes = {out.strip() for out, _ in outs}
    with Tract.open(store_url, counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        assert {c.hash for c in t.log()} == hashes and len(hashes) == 2


def test_a_store_written_by_a_newer_tract_is_refused_with_a_clear_error(store_url):
    Store(store_url).close()
    store = Store(store_url)
    with store.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()

    with pytest.raises(StorageError, match="newer tract"):
        Tract.open(store_url)


def test_an_unknown_target_revision_is_a_storage_error(sqlite_url):
    with pytest.raises(StorageError, match="unknown schema revision"):
        Store(sqlite_url, migrate_to="bogus")


def test_expiring_idempotency_keys_uses_an_index(sqlite_url):
    from tract_core.storage import Store

    store = Store(sqlite_url)
    with store.read() as tx:
        plan = " ".join(str(r[-1]) for r in tx.conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN DELETE FROM idempotency_keys WHERE created_us < 5"))
    store.close()
    assert "ix_idempotency_created" in plan


def test_a_store_from_before_search_is_indexed_by_the_upgrade(store_url):
    old = Store(store_url, migrate_to="0007")
    write_revision_0001_data(old)
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        assert [h.hash for h in t.search("old world")] == [CHILD, ROOT]  # both commits share the blob
        assert t.search("hello", tag="kept") == []
        assert t.tag(ROOT[:8], "kept").tags == ["kept"]
        assert [h.hash for h in t.search("hello", tag="kept")] == [ROOT]
        new = t.user("indexed when written")
        assert [h.hash for h in t.search("indexed")] == [new.hash]


def test_the_revisions_read_without_alembic_are_alembics_own():
    """Opening a current store reads the migration files' revisions by pattern, not through alembic
    (start-up time); they must be exactly what alembic itself finds."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tract_core.storage.engine import MIGRATIONS, known_revisions

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    assert head_revision() == scripts.get_current_head()
    assert known_revisions() == {r.revision for r in scripts.walk_revisions()}


def test_opening_a_current_store_does_not_import_alembic(tmp_path):
    import subprocess
    import sys

    Store(str(tmp_path / "t.db")).close()
    code = ("import sys; from tract_core.storage import Store; Store(sys.argv[1]).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'jsonschema') "
            "or m.startswith('sqlalchemy.dialects.postgresql')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "t.db")], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_search_upgrade_indexes_every_blob_past_its_first_batch(store_url):
    """The upgrade reads blobs 500 at a time: a store of more than two batches is indexed whole."""
    old = Store(store_url, migrate_to="0007")
    n = 1_234
    body = '{{"content_type":"dialogue","role":"user","text":"word{} common"}}'
    with old.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO tracts (id, created_us) VALUES ('old', 1000)"))
        conn.execute(text("INSERT INTO blobs (hash, content_type, body, token_count) "
                          "VALUES (:h, 'dialogue', :b, 2)"),
                     [{"h": f"{i:064x}", "b": body.format(i)} for i in range(n)])
        conn.execute(text("INSERT INTO commits (hash, tract_id, operation, edit_target, content_hash, message,"
                          " meta, created_us, generation) VALUES (:h, 'old', 'append', NULL, :b, NULL, NULL,"
                          " :t, 0)"),
                     [{"h": f"{i + n:064x}", "b": f"{i:064x}", "t": 2000 + i} for i in range(n)])
        conn.execute(text("INSERT INTO refs (tract_id, name, commit_hash, symbolic) VALUES "
                          "('old', 'refs/heads/main', NULL, NULL), ('old', 'HEAD', NULL, 'refs/heads/main')"))
    old.close()
    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        with t.store.read() as tx:
            from tract_core.storage.search import matching_commits

            assert len(matching_commits(tx, "old", ["common"])) == n
            assert [h for h, _ in matching_commits(tx, "old", [f"word{n - 1}"])] == [f"{2 * n - 1:064x}"]


def test_a_revision_0005_store_takes_important_annotations_and_policies_after_upgrade(store_url):
    """Revision 0008 widens annotations.priority ('important' is 9 characters; PostgreSQL held 8)."""
    old = Store(store_url, migrate_to="0005")
    write_revision_0001_data(old)
    old.close()
    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert t.show(ROOT[:8]).priority.value == "pinned"
        t.annotate(CHILD, "important", must_keep=["hello"])
        assert t.show(CHILD[:8]).priority.value == "important"
        t.set_policy("budget", max_tokens=100)
    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert t.show(CHILD[:8]).priority.value == "important"
        assert [p.kind for p in t.policies()] == ["budget"]

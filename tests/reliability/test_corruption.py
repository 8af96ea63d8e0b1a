"""A damaged store gives StorageErrors that say what to do, never a raw database error, and
`Tract.check()` / `tract check` find the damage: garbage written over pages of a copy of a real
store, and rows deleted behind tract's back (a dangling parent, a missing blob)."""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest
from mcp import Client

from server.app import build_server
from server.cli import main as cli
from server.pool import TractPool
from tests.conftest import WordCounter
from tract_core import CorruptStoreError, StorageError, Tract

PAGE = 4096


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> str:
    """A real store of some 120 pages: 300 turns of varied length on two branches."""
    path = str(tmp_path_factory.mktemp("healthy") / "tract.db")
    with Tract.open(path, counter=WordCounter()) as t:
        for i in range(300):
            t.user(f"turn {i} " + "words " * (i % 50))
            if i == 150:
                t.branch("side")
        assert t.check().ok
    return path  # closed: the WAL is checkpointed into the file


def damaged_copy(healthy: str, tmp_path, page: int) -> str:
    """A copy of the store with one page (counted from 0; -1 is the last) overwritten by garbage."""
    path = str(tmp_path / "damaged.db")
    shutil.copy(healthy, path)
    with open(path, "r+b") as f:
        pages = f.seek(0, 2) // PAGE
        f.seek((page % pages) * PAGE)
        f.write(random.Random(page).randbytes(PAGE))
    return path


def outcome(call):
    """None when the call works, else its exception, which must be a StorageError."""
    try:
        call()
    except Exception as err:  # noqa: BLE001 - the point: which exception, if any
        assert isinstance(err, StorageError), f"raw {type(err).__module__}.{type(err).__name__}: {err}"
        return err
    return None


@pytest.mark.parametrize("page", [0, 1, 2, 5, 40, 70, -1])
def test_garbage_in_any_page_gives_storage_errors_and_check_finds_it(healthy, tmp_path, page, capsys):
    path = damaged_copy(healthy, tmp_path, page)
    refused = outcome(lambda: Tract.open(path, counter=WordCounter()).close())
    if refused is not None:  # the file's header or schema is gone: it cannot even be opened
        assert isinstance(refused, CorruptStoreError)
        assert "damaged" in str(refused) and "backup" in str(refused)
    else:
        with Tract.open(path, counter=WordCounter()) as t:
            errors = [outcome(call) for call in (t.status, t.compile, t.log, lambda: t.user("new"))]
            for err in filter(None, errors):
                assert isinstance(err, CorruptStoreError), err
                assert "damaged" in str(err) and "tract --db" in str(err) and "backup" in str(err)
            report = t.check()
        assert not report.ok
        assert any(p.kind == "integrity" for p in report.problems)
    with pytest.raises(SystemExit) as exit_code:
        cli(["--db", path, "check"])
    assert exit_code.value.code != 0
    said = capsys.readouterr()
    assert "damaged" in said.err or "integrity" in said.out


def test_garbage_inside_pages_gives_storage_errors_and_check_finds_it(healthy, tmp_path):
    """Short runs of garbage inside pages (past the header): damage SQLite may not notice itself, so
    rows go missing from an index or read back garbled; still only StorageErrors."""
    damaged = 0
    # until six copies are damaged where these calls read (the store also holds pages none of them
    # reads: the audit trail, the search index), or 60 tries
    for seed in range(60):
        if damaged >= 6:
            break
        path = str(tmp_path / f"scribbled{seed}.db")
        shutil.copy(healthy, path)
        rng = random.Random(seed)
        with open(path, "r+b") as f:
            size = f.seek(0, 2)
            for _ in range(3):
                f.seek(rng.randrange(PAGE, size - 64))
                f.write(rng.randbytes(rng.choice([8, 32, 64])))
        if outcome(lambda: Tract.open(path, counter=WordCounter()).close()) is not None:
            damaged += 1
            continue
        with Tract.open(path, counter=WordCounter()) as t:
            errors = [outcome(call) for call in (t.status, t.compile, t.log, lambda: t.user("new"))]
            if any(errors):
                damaged += 1
                assert not t.check().ok, errors
    assert damaged >= 6  # the garbage did hit something


@pytest.mark.anyio
async def test_the_server_answers_a_damaged_store_with_a_readable_tool_error(healthy, tmp_path):
    path = damaged_copy(healthy, tmp_path, 5)  # opens; its reads fail
    pool = TractPool.open(path, counter=WordCounter())
    try:
        async with Client(build_server(pool)) as c:
            for tool, args in [("status", {}), ("compile", {}), ("log", {})]:
                result = await c.call_tool(tool, args)
                assert result.is_error
                assert "damaged" in result.content[0].text and "backup" in result.content[0].text
    finally:
        pool.close()


def test_a_healthy_store_checks_clean(store_url, capsys):
    with Tract.open(store_url, counter=WordCounter()) as t:
        t.system("be brief")
        first = t.user("hello")
        t.assistant("hi")
        t.branch("side", switch=True)
        t.user("on the side")
        t.switch("main")
        t.annotate(first.hash, "skip")
        t.merge("side")
        report = t.check()
    assert report.ok, report.problems
    assert (report.commits, report.branches_compiled) == (4, 2)  # the merge fast-forwards
    with Tract.open(store_url, counter=WordCounter()) as cold:  # another process: no cache
        assert cold.check().ok
    assert cli_exit(["--url" if "://" in store_url else "--db", store_url, "check"]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 commits")


def test_rows_deleted_behind_tracts_back_are_reported(store_url, capsys):
    with Tract.open(store_url, counter=WordCounter()) as t:
        t.user("one")
        two = t.assistant("two")
        three = t.user("three")
        t.branch("side", start=two.hash)
    delete_rows(store_url, [("DELETE FROM commits WHERE hash = :h", two.hash),
                            ("DELETE FROM blobs WHERE hash = :h", three.content_hash)])
    with Tract.open(store_url, counter=WordCounter()) as t:
        report = t.check()
    found: dict[str, str] = {}
    for p in report.problems:
        found[p.kind] = found.get(p.kind, "") + p.detail + "\n"
    assert set(found) >= {"ref", "parent", "blob", "compile"}, report.problems
    assert "refs/heads/side" in found["ref"] and two.hash[:12] in found["ref"]
    assert three.hash[:12] in found["parent"] and two.hash[:12] in found["parent"]
    assert three.content_hash[:12] in found["blob"]
    assert "main" in found["compile"]
    assert cli_exit(["--url" if "://" in store_url else "--db", store_url, "check"]) == 2
    assert "parent: commit" in capsys.readouterr().out


def cli_exit(argv: list[str]) -> int:
    try:
        cli(argv)
    except SystemExit as done:
        return done.code
    return 0


def delete_rows(store_url: str, statements: list[tuple[str, str]]) -> None:
    """Delete rows as a buggy tool or a bad restore might: constraints off, no tract code."""
    if "://" not in store_url:
        with sqlite3.connect(store_url) as conn:  # foreign keys are off on a bare connection
            for sql, h in statements:
                conn.execute(sql.replace(":h", "?"), (h,))
        return
    import psycopg

    with psycopg.connect(store_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign key triggers
        for sql, h in statements:
            conn.execute(sql.replace(":h", "%s"), (h,))

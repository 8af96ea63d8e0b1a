"""A misspelt tract name on a read is an error naming the known tracts, never a new empty tract;
writes still create; the server keeps a bounded number of tracts open."""

from __future__ import annotations

import pytest
from mcp import Client
from server_helpers import WordCounter, call, fails, user

from server.app import build_server
from server.pool import TractPool

pytestmark = pytest.mark.anyio

READS = [("log", {}), ("show", {"hash": "abcd"}), ("status", {}), ("diff", {"a": "abcd", "b": "abcd"}),
         ("list_branches", {}), ("compile", {}), ("pending", {}), ("replay", {"record_id": "r"}),
         ("switch", {"name": "main"}), ("checkout", {"hash": "abcd"}), ("merge", {"branch": "x"}),
         ("reset", {"target": "abcd"}), ("annotate", {"hash": "abcd", "priority": "skip"}),
         ("approve", {"id": "p"}), ("reject", {"id": "p"}), ("undo_compression", {"event_id": "e"}),
         ("gc", {}), ("approvals", {}), ("policy", {})]


def tracts(pool: TractPool) -> list[str]:
    with pool.store.read() as tx:
        return tx.list_tracts()


async def test_reads_of_an_unknown_tract_name_the_known_ones(pool, server):
    async with Client(server) as c:
        await call(c, "commit", content=user("hello"), tract="research")
        for tool, args in READS:
            message = await fails(c, tool, tract="reserach", **args)
            assert "no tract 'reserach'" in message and "'research'" in message, (tool, message)
    assert tracts(pool) == ["research"]


async def test_resources_and_prompts_refuse_an_unknown_tract(pool, server):
    async with Client(server) as c:
        await call(c, "commit", content=user("hello"), tract="research")
        for uri in ("tract://nope/log", "tract://nope/compiled", "tract://nope/pending",
                    "tract://nope/commits/abcd"):
            with pytest.raises(Exception, match="no tract 'nope'"):
                await c.read_resource(uri)
        with pytest.raises(Exception, match="no tract 'nope'"):
            await c.get_prompt("compress-review", {"id": "p1", "tract": "nope"})
        with pytest.raises(Exception, match="no tract 'nope'"):
            await c.get_prompt("summarize", {"commits": "abcd", "tract": "nope"})
    assert tracts(pool) == ["research"]


async def test_the_default_tract_reads_as_empty_before_its_first_commit(pool, server):
    async with Client(server) as c:
        status = await call(c, "status")
        assert (status["branch"], status["commits"]) == ("main", 0)
        assert (await call(c, "log"))["lines"] == []
    assert tracts(pool) == []


async def test_a_failed_first_write_leaves_no_tract(pool, server):
    async with Client(server) as c:
        await fails(c, "commit", content={"content_type": "nope"}, tract="fresh")
        await fails(c, "commit", content=user("x"), operation="edit", edit_target="abcd", tract="fresh")
        await fails(c, "commit", content=user("x"), message="a\x00b", tract="fresh", idempotency_key="k")
        await fails(c, "branch", name="..bad", tract="fresh")
        assert "no tract 'fresh'" in await fails(c, "status", tract="fresh")
        await call(c, "commit", content=user("x"), tract="fresh", idempotency_key="k")
        assert (await call(c, "status", tract="fresh"))["commits"] == 1
    assert tracts(pool) == ["fresh"]


@pytest.mark.parametrize("name", ["zero\u200bwidth", "rtl\u202eevil", " padded", "tab\tname", "\u2066x"])
async def test_look_alike_names_are_refused(pool, server, name):
    async with Client(server) as c:
        assert "tract name" in await fails(c, "commit", content=user("x"), tract=name)
        assert "tract name" in await fails(c, "status", tract=name)
    assert tracts(pool) == []


async def test_thousands_of_names_keep_a_bounded_number_of_tracts_open(sqlite_url):
    pool = TractPool(TractPool.open(sqlite_url).store, max_open=8, counter=WordCounter())
    try:
        async with Client(build_server(pool)) as c:
            for i in range(300):
                await c.call_tool("status", {"tract": f"ghost-{i}"})  # unknown: errors, opens nothing
            for i in range(40):
                await call(c, "commit", content=user(f"turn {i}"), tract=f"agent-{i}")
            assert len(pool.open_tracts()) <= 8
            assert pool.open_tracts()[-1] == "agent-39"
            # an evicted tract reopens from the store as it was
            assert (await call(c, "log", tract="agent-0", full=True))["commits"][0]["content"]["text"] == "turn 0"
        assert len(tracts(pool)) == 40
    finally:
        pool.close()

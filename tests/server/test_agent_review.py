"""What an agent connected over MCP runs into: huge numbers, misspelt argument names, and error
messages that must name the MCP tool's own arguments."""

from __future__ import annotations

import pytest
from mcp import Client
from server_helpers import call, fails, user

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)


async def test_a_huge_log_limit_means_no_limit(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("one"))
        await call(c, "commit", content=user("two"))
        assert len((await call(c, "log", limit=10**20))["lines"]) == 2


async def test_a_huge_gc_retention_is_a_readable_error_or_keeps_everything(server):
    async with Client(server) as c:
        await call(c, "commit", content=user("one"))
        for args in ({"orphan_retention_days": 1e308}, {"archive_retention_days": 1e308}):
            result = await c.call_tool("gc", args)
            if result.is_error:
                assert result.content[0].text != "Error executing tool gc", args
            else:
                assert result.structured_content["commits_removed"] == 0
        assert (await call(c, "status"))["commits"] == 1


async def test_unknown_arguments_are_refused_not_silently_dropped(server):
    async with Client(server) as c:
        # a misspelt idempotency key must not quietly make a retried write happen twice
        message = await fails(c, "commit", content=user("hi"), idempotencyKey="k1")
        assert "idempotencyKey" in message and "idempotency_key" in message
        assert (await call(c, "status"))["commits"] == 0
        assert "tract_name" in await fails(c, "status", tract_name="other")


async def test_approving_without_a_summary_names_the_approve_tools_argument(server):
    async with Client(server) as c:
        made = await call(c, "commit", content=user("Population of Lyon? 522,250."))
        pending = await call(c, "compress", commits=[made["hash"]])
        message = await fails(c, "approve", id=pending["id"])
        assert "approve(id, summary=" in message
        assert "approve(id, summary=" in await fails(c, "approve", id=pending["id"], summary=[" "])
        assert "pending" in await fails(c, "approve", id="nope")
        assert "event_id" in await fails(c, "undo_compression", event_id="nope")


async def test_prompts_and_their_arguments_are_described_without_source_indentation(server):
    async with Client(server) as c:
        for prompt in (await c.list_prompts()).prompts:
            assert "\n " not in prompt.description, prompt.name
            for arg in prompt.arguments:
                assert arg.description, f"{prompt.name}.{arg.name} has no description"


async def test_every_tool_argument_is_described(server):
    """A model picks arguments by their descriptions: `priority="skip"` on commit must say it means
    'left out of compile', and approve's `id` which id it is."""
    async with Client(server) as c:
        for tool in (await c.list_tools()).tools:
            for name, schema in tool.input_schema["properties"].items():
                described = schema.get("description") or any(s.get("description") for s in schema.get("anyOf", []))
                assert described, f"{tool.name}.{name} has no description"


async def test_an_idempotency_key_with_nul_is_a_readable_error_on_both_engines(store_url):
    from mcp import Client as _Client
    from server_helpers import WordCounter

    from server.app import build_server
    from server.pool import TractPool

    pool = TractPool.open(store_url, counter=WordCounter())
    async with _Client(build_server(pool, tools="all")) as c:
        assert "NUL" in await fails(c, "commit", content=user("hi"), idempotency_key="k\x00")
        assert (await call(c, "status"))["commits"] == 0
    pool.close()


async def test_every_write_tool_takes_an_idempotency_key(server):
    """The issue and README: write tools accept idempotency_key. switch, checkout, gc and
    compile(record=true) write too; a retried compile(record=true) returns the same record."""
    async with Client(server) as c:
        tools = (await c.list_tools()).tools
        # the agents toolset's writes are keyed otherwise: post_task by its idempotency_key, a claim by
        # its lease, spawn/collapse/decide refuse a second time with a clear error
        writers = [t for t in tools if not (t.annotations and t.annotations.read_only_hint)
                   and "session_id" not in t.input_schema["properties"]
                   and t.name not in ("spawn", "collapse", "decide")]
        for tool in writers:
            assert "idempotency_key" in tool.input_schema["properties"], tool.name
        h = (await call(c, "commit", content=user("one")))["hash"]
        await call(c, "branch", name="side")
        first = await call(c, "compile", record=True, idempotency_key="rec-1")
        again = await call(c, "compile", record=True, idempotency_key="rec-1")
        assert first["record_id"] and again["record_id"] == first["record_id"]
        assert (await call(c, "switch", name="side", idempotency_key="sw-1"))["name"] == "side"
        assert (await call(c, "checkout", hash=h, idempotency_key="co-1"))["head"] == h
        assert (await call(c, "gc", idempotency_key="gc-1")) == (await call(c, "gc", idempotency_key="gc-1"))

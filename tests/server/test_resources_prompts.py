"""Resource templates and prompts: what a client reads and the prompts it gets."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from server_helpers import call, user

pytestmark = pytest.mark.anyio


async def test_resources_show_compiled_log_commit_and_pending(server):
    async with Client(server) as c:
        templates = {t.uri_template for t in (await c.list_resource_templates()).resource_templates}
        assert templates == {"tract://{tract}/compiled", "tract://{tract}/log",
                             "tract://{tract}/commits/{hash}", "tract://{tract}/pending"}
        a = await call(c, "commit", content=user("Population of Lyon?"), tract="agent-1")
        b = await call(c, "commit", content=user("And Grenoble? path /srv/data/g.csv"), tract="agent-1")

        async def read(uri: str):
            return json.loads((await c.read_resource(uri)).contents[0].text)

        compiled = await read("tract://agent-1/compiled")
        assert compiled["messages"][0]["content"][0]["text"] == "Population of Lyon?"
        assert [x["hash"] for x in await read("tract://agent-1/log")] == [b["hash"], a["hash"]]
        assert (await read(f"tract://agent-1/commits/{a['hash'][:10]}"))["hash"] == a["hash"]
        assert await read("tract://agent-1/pending") == []
        made = await call(c, "compress", tract="agent-1")
        pending = await read("tract://agent-1/pending")
        assert pending[0]["id"] == made["pending"]["id"] and "/srv/data/g.csv" in [f["text"] for f in pending[0]["lost_facts"]]
        with pytest.raises(MCPError, match="no commit matches"):
            await c.read_resource("tract://agent-1/commits/abcdef12")


async def test_prompts_review_and_summarize(server):
    async with Client(server) as c:
        assert {p.name for p in (await c.list_prompts()).prompts} >= {"compress-review", "summarize"}
        a = await call(c, "commit", content=user("Population of Lyon?"))
        general = await c.get_prompt("compress-review", {})
        assert "lost_facts" in general.messages[0].content.text
        made = await call(c, "compress")
        review = await c.get_prompt("compress-review", {"id": made["pending"]["id"]})
        assert made["pending"]["id"] in review.messages[1].content.text
        with pytest.raises(MCPError, match="no pending compression"):
            await c.get_prompt("compress-review", {"id": "nope"})
        filled = await c.get_prompt("summarize", {"commits": a["hash"], "target_tokens": "50"})
        assert "third person" in filled.messages[0].content.text
        assert "Population of Lyon?" in filled.messages[1].content.text
        assert "50 tokens" in filled.messages[1].content.text
        with pytest.raises(MCPError, match="neither a branch nor a commit"):
            await c.get_prompt("summarize", {"commits": "zz"})

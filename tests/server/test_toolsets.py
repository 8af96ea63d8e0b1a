"""Toolsets and what tools/list costs a client: every tool's description and schemas within its share
of the budget, the README's table the same as tools/list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mcp import Client

from server.app import build_server
from server.toolsets import CORE, GROUPS, UnknownToolset
from tract_core.tokens import load_encoding

pytestmark = pytest.mark.anyio
README = Path(__file__).resolve().parents[2] / "README.md"
CORE_BUDGET, ALL_BUDGET = 3000, 8000  # o200k_base tokens of name+description+inputSchema+outputSchema
# each tool's share: commit (content or turns), compress and compile take more; a tool past its share
# fails here, so a longer description or a new argument is a decision, not an accident
SHARE = {"commit": 480, "compress": 430, "compile": 300, "policy": 300}
DEFAULT_SHARE = 260


def cost(tools) -> dict[str, int]:
    enc = load_encoding("o200k_base")
    return {t.name: len(enc.encode(json.dumps(
        {"name": t.name, "description": t.description, "inputSchema": t.input_schema,
         "outputSchema": t.output_schema}, separators=(",", ":")))) for t in tools}


async def listed(pool, tools: str):
    async with Client(build_server(pool, tools=tools)) as c:
        return (await c.list_tools()).tools


async def test_the_default_toolset_is_core_and_within_its_budget(pool):
    async with Client(build_server(pool)) as c:
        tools = (await c.list_tools()).tools
    assert {t.name for t in tools} == set(CORE)
    costs = cost(tools)
    assert sum(costs.values()) <= CORE_BUDGET, costs


async def test_all_toolsets_within_budget_and_each_tool_within_its_share(pool):
    tools = await listed(pool, "all")
    costs = cost(tools)
    assert sum(costs.values()) <= ALL_BUDGET, costs
    over = {n: c for n, c in costs.items() if c > SHARE.get(n, DEFAULT_SHARE)}
    assert not over, f"tools past their share of tools/list: {over}"
    for t in tools:
        assert t.title and t.annotations is not None, t.name
        assert "title" not in json.dumps(t.input_schema["properties"], separators=(",", ":")).replace(
            '"title":{', ""), t.name  # no pydantic titles (an argument named title is fine)


async def test_groups_and_tool_names_select_tools(pool):
    history = {t.name for t in await listed(pool, "history")}
    assert {"commit", "log", "search", "delete_branch"} <= history and "gc" not in history
    assert {t.name for t in await listed(pool, "core,admin")} == set(CORE) | {"gc", "operations", "tracts"}
    assert {t.name for t in await listed(pool, "core,pending")} == set(CORE) | {"pending"}
    assert set(GROUPS) == {"history", "compression", "admin", "policies", "agents"}
    with pytest.raises(UnknownToolset, match="history, compression, admin, policies, agents"):
        build_server(pool, tools="histroy")


async def test_the_readme_table_matches_tools_list(pool):
    tools = await listed(pool, "all")
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (yes|) \| (.+) \|$", README.read_text(), flags=re.M)
    assert [(name, core == "yes", text) for name, _, core, text in rows] == [
        (t.name, t.name in CORE, t.description) for t in tools]


async def test_a_tool_outside_the_toolset_says_which_toolset_has_it(pool):
    async with Client(build_server(pool)) as c:
        result = await c.call_tool("gc", {})
    assert result.is_error and "--tools core,admin" in result.content[0].text

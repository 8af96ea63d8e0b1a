"""The MCP server: tools (by toolset), resources and prompts over one `TractPool`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp.server import MCPServer

from server.prompts import register_prompts
from server.resources import register_resources
from server.toolsets import DEFAULT, register_tools

if TYPE_CHECKING:
    from server.pool import TractPool

INSTRUCTIONS = (
    "tract keeps your context window under version control. Commit each turn you want to keep "
    "(commit), explore on branches (branch, switch, merge), find old turns (log, search), build the "
    "exact messages to send (compile), and compress old history into summaries (compress, approve).")


def build_server(pool: TractPool, log_level: str = "WARNING", tools: str = DEFAULT) -> MCPServer:
    mcp = MCPServer("tract", instructions=INSTRUCTIONS, version="0.1.0", log_level=log_level)
    register_tools(mcp, pool, tools)
    register_resources(mcp, pool)
    register_prompts(mcp, pool)
    return mcp

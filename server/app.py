"""The MCP server: tools (by toolset), resources and prompts over one `TractPool`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp.server import MCPServer

from server.handshake import INSTRUCTIONS, NAME, VERSION
from server.prompts import register_prompts
from server.resources import register_resources
from server.toolsets import DEFAULT, register_tools

if TYPE_CHECKING:
    from server.pool import TractPool


def build_server(pool: TractPool, log_level: str = "WARNING", tools: str = DEFAULT) -> MCPServer:
    mcp = MCPServer(NAME, instructions=INSTRUCTIONS, version=VERSION, log_level=log_level)
    register_tools(mcp, pool, tools)
    register_resources(mcp, pool)
    register_prompts(mcp, pool)
    return mcp

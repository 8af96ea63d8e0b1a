"""The MCP server: tools, resources and prompts over one `TractPool`."""

from __future__ import annotations

from mcp.server import MCPServer

from server.compression import register_compression_tools
from server.pool import TractPool
from server.prompts import register_prompts
from server.resources import register_resources
from server.tools import register_history_tools

INSTRUCTIONS = (
    "tract keeps your context window under version control. Commit each turn you want to keep "
    "(commit), explore on branches (branch, switch, merge), build the exact messages to send "
    "(compile), and compress old history into summaries a human approves (compress, pending, approve)."
)


def build_server(pool: TractPool, log_level: str = "WARNING") -> MCPServer:
    mcp = MCPServer("tract", instructions=INSTRUCTIONS, version="0.1.0", log_level=log_level)
    register_history_tools(mcp, pool)
    register_compression_tools(mcp, pool)
    register_resources(mcp, pool)
    register_prompts(mcp, pool)
    return mcp

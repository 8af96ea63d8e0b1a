"""The MCP server: tools, resources and prompts over one `TractPool`."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from pydantic import ConfigDict, model_validator

from server.compression import register_compression_tools
from server.pool import TractPool
from server.prompts import register_prompts
from server.resources import register_resources
from server.tools import register_history_tools
from server.tools_agents import register_agents_tools

INSTRUCTIONS = (
    "tract keeps your context window under version control. Commit each turn you want to keep "
    "(commit), explore on branches (branch, switch, merge), build the exact messages to send "
    "(compile), and compress old history into summaries a human approves (compress, pending, approve)."
)


def build_server(pool: TractPool, log_level: str = "WARNING", tools: str = "core") -> MCPServer:
    mcp = MCPServer("tract", instructions=INSTRUCTIONS, version="0.1.0", log_level=log_level)
    register_history_tools(mcp, pool)
    register_compression_tools(mcp, pool)
    if {"agents", "all"} & {w.strip() for w in tools.split(",")}:
        register_agents_tools(mcp, pool)  # off by default
    register_resources(mcp, pool)
    register_prompts(mcp, pool)
    refuse_unknown_arguments(mcp)
    return mcp


def refuse_unknown_arguments(mcp: MCPServer) -> None:
    """A misspelt argument is an error, not silently dropped: `idempotencyKey` would otherwise make a
    retried write happen twice, and `summaries` would leave `approve` without its summary."""
    for tool in mcp._tool_manager.list_tools():
        model = tool.fn_metadata.arg_model
        known = list(model.model_fields)

        def check(cls, data: Any, known: list[str] = known, name: str = tool.name) -> Any:
            unknown = [k for k in data if k not in known] if isinstance(data, dict) else []
            if unknown:
                raise ValueError(f"unknown argument(s) {', '.join(map(repr, unknown))}; "
                                 f"{name} takes: {', '.join(known)}")
            return data

        strict = type(model.__name__, (model,), {
            "__module__": model.__module__, "model_config": ConfigDict(**model.model_config, extra="forbid"),
            "refuse_unknown": model_validator(mode="before")(classmethod(check))})
        tool.fn_metadata.arg_model = strict
        tool.parameters = strict.model_json_schema(by_alias=True)

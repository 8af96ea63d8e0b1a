"""Scoped bearer tokens on HTTP (`tract token add NAME --tracts PATTERN [--read-only]`): each tool
call and resource read made with such a token may only name tracts matching its pattern, and a
read-only token only calls read-only tools. `--token` stays the all-access token; stdio has no
tokens and is not limited."""

from __future__ import annotations

import hmac
import re
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from tract_core.operations.access import TokenScope, scope_for
from tract_core.storage import Store

RESOURCE = re.compile(r"^tract://(?P<tract>.+?)/(compiled|log|pending|commits/[^/]+)$")
CHILD_ARGUMENTS = ("name",)  # spawn's child tract


def bearer(headers) -> str | None:
    if not headers:
        return None
    scheme, _, token = (headers.get("authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _scope(store: Store, context: Any, all_access: str | None) -> TokenScope | None:
    token = bearer(getattr(context, "headers", None)) if context is not None else None
    if not token or (all_access is not None and hmac.compare_digest(token.encode(), all_access.encode())):
        return None
    return scope_for(store, token)


def check_tool(scope: TokenScope, tool: Any, arguments: dict) -> None:
    params = tool.parameters.get("properties", {})
    if "tract" not in params:
        raise ToolError(f"{tool.name} works across tracts; this token is limited to tracts matching "
                        f"{scope.pattern!r}: use an all-access token")
    names = [arguments.get("tract") or "default"]
    names += [arguments[a] for a in CHILD_ARGUMENTS if a in params and isinstance(arguments.get(a), str)]
    for name in names:
        if not isinstance(name, str) or not scope.allows(name):
            raise ToolError(f"this token may not use tract {name!r} (it is limited to {scope.pattern!r})")
    if scope.read_only and not (tool.annotations and tool.annotations.read_only_hint):
        raise ToolError(f"this token is read-only; {tool.name} writes")


def guard(mcp: MCPServer, store: Store, all_access: str | None = None) -> None:
    """Check every tool call and resource read against the request's scoped token, if it has one."""
    manager = mcp._tool_manager
    call_tool = manager.call_tool
    read_resource = mcp.read_resource

    async def call(name: str, arguments: dict, context: Any = None, *args: Any, **kwargs: Any) -> Any:
        scope = _scope(store, context, all_access)
        tool = manager.get_tool(name)
        if scope is not None and tool is not None:
            check_tool(scope, tool, arguments or {})
        return await call_tool(name, arguments, context, *args, **kwargs)

    async def read(uri: Any, context: Any = None) -> Any:
        scope = _scope(store, context, all_access)
        if scope is not None:
            found = RESOURCE.match(str(uri))
            if found is None or not scope.allows(found["tract"]):
                raise ToolError(f"this token may not read {str(uri)!r} (it is limited to {scope.pattern!r})")
        return await read_resource(uri, context)

    manager.call_tool = call  # type: ignore[method-assign]
    mcp.read_resource = read  # type: ignore[method-assign]

"""Who calls, for the audit trail: every tool call runs as the MCP client's name (its `clientInfo`),
under the trace id the request carries in `_meta` (`trace_id`, or the trace-id field of a W3C
`traceparent`), so that a client joins the events of one request across agents at no cost in
tools/list."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer

NAME_LIMIT = 255


def _short(value: Any) -> str | None:
    return value[:NAME_LIMIT].replace("\x00", "") or None if isinstance(value, str) else None


def caller(context: Any) -> tuple[str | None, str | None]:
    """(the client's name, the request's trace id), each None when not given."""
    try:
        rc = context.request_context
    except (AttributeError, ValueError):  # no request (a call made in-process)
        return None, None
    params = getattr(rc.session, "client_params", None)
    name = _short(getattr(getattr(params, "client_info", None), "name", None))
    meta = rc.meta if isinstance(rc.meta, dict) else {}
    trace = meta.get("trace_id")
    parent = meta.get("traceparent")
    if trace is None and isinstance(parent, str) and parent.count("-") == 3:
        trace = parent.split("-")[1]
    return name, _short(trace)


def act_for_clients(mcp: MCPServer) -> None:
    manager = mcp._tool_manager
    call_tool = manager.call_tool

    async def call(name: str, arguments: dict[str, Any], context: Any = None, *args: Any, **kwargs: Any) -> Any:
        from tract_core.operations.actors import acting_as  # the store's modules load after start-up

        actor, trace = caller(context)
        with acting_as(actor, trace):
            return await call_tool(name, arguments, context, *args, **kwargs)

    manager.call_tool = call  # type: ignore[method-assign]

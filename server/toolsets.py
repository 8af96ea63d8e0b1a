"""Toolsets: which tools a server offers (`tract-mcp --tools core|all|GROUP,…`), and how each is
registered lean.

A client pays for `tools/list` in every conversation, so the default toolset (`core`) holds what an
agent uses at every step, and the rest comes in groups. A group is a module with a
`register(ts: Toolset)` function whose tools are declared with `@ts.tool(title, annotations)`; adding
a group is one line in `GROUPS`.

Every tool registered here: its docstring (dedented) is its description; its input and output
schemas lose pydantic's per-field titles and `null` alternatives (the server still accepts null);
unknown arguments are refused; its result is compact JSON with `None` fields left out; the library's
errors become short tool errors (`server.errors`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from server.acting import act_for_clients
from server.errors import compact, describe, tool_errors
from server.toolset_names import CORE, DEFAULT, GROUPS, words

if TYPE_CHECKING:
    from server.pool import TractPool



class UnknownToolset(ValueError):
    pass


def selector(spec: str) -> Callable[[str, str], bool]:
    """`core`, `all`, or a comma-separated list of group names and tool names (`core,admin`)."""
    wanted = words(spec)
    if "all" in wanted:
        return lambda group, name: True
    groups = wanted & set(GROUPS)
    names = set(CORE) if "core" in wanted else set()
    names |= wanted - set(GROUPS) - {"core"}
    return lambda group, name: group in groups or name in names


def register_tools(mcp: MCPServer, pool: TractPool, spec: str = DEFAULT) -> Toolset:
    ts = Toolset(mcp, pool, selector(spec))
    for group, module in GROUPS.items():
        ts.group = group
        importlib.import_module(module).register(ts)
    unknown = {w.strip() for w in spec.split(",") if w.strip()} - set(GROUPS) - {"core", "all"} \
        - {name for names in ts.known.values() for name in names}
    if unknown:
        raise UnknownToolset(f"unknown toolset or tool {', '.join(sorted(unknown))}; choose core, all, "
                             f"or groups: {', '.join(GROUPS)}")
    say_where_tools_are(mcp, ts, spec)
    act_for_clients(mcp)
    return ts


def say_where_tools_are(mcp: MCPServer, ts: Toolset, spec: str) -> None:
    """A call to a tool this server does not offer (say `gc` under `--tools core`) answers which
    toolset has it, instead of the SDK's bare "Unknown tool"."""
    manager = mcp._tool_manager
    group_of = {name: group for group, names in ts.known.items() for name in names}
    call_tool = manager.call_tool

    async def call(name: str, arguments: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if manager.get_tool(name) is None and name in group_of:
            raise ToolError(f"{name} is in the {group_of[name]} toolset, which this server does not offer: "
                            f"restart tract-mcp with --tools {spec},{group_of[name]} (or --tools all)")
        return await call_tool(name, arguments, *args, **kwargs)

    manager.call_tool = call  # type: ignore[method-assign]


class Toolset:
    def __init__(self, mcp: MCPServer, pool: TractPool, wanted: Callable[[str, str], bool]) -> None:
        self.mcp, self.pool, self.wanted = mcp, pool, wanted
        self.group = ""
        self.known: dict[str, list[str]] = {}

    def tool(self, title: str, annotations: ToolAnnotations) -> Callable[[Callable], Callable]:
        def register(fn: Callable) -> Callable:
            self.known.setdefault(self.group, []).append(fn.__name__)
            if not self.wanted(self.group, fn.__name__):
                return fn
            self.mcp.tool(title=title, annotations=annotations)(tool_errors(fn))
            lean_tool(self.mcp._tool_manager.get_tool(fn.__name__))
            return fn
        return register


# --- a registered tool made lean ---
class LeanMetadata(FuncMetadata):
    """Arguments that fail validation answer one short line; results are compact JSON without nulls."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        try:
            return super().validate_arguments(arguments_to_validate)
        except ValidationError as err:
            return {_INVALID: describe(err)}

    async def call_fn(self, fn, fn_is_async, arguments, arguments_to_pass_directly=None):
        if _INVALID in arguments:
            raise ToolError(arguments[_INVALID])
        return await super().call_fn(fn, fn_is_async, arguments, arguments_to_pass_directly)

    def convert_result(self, result: Any):
        if isinstance(result, BaseModel) and self.output_schema is not None:
            body = result.model_dump(mode="json", by_alias=True, exclude_none=True)
            return CallToolResult(content=[TextContent(type="text", text=compact(body))], structured_content=body)
        return super().convert_result(result)


_INVALID = "\0invalid"


def lean_tool(tool: Any) -> None:
    model = tool.fn_metadata.arg_model
    known = list(model.model_fields)

    def check(cls, data: Any) -> Any:
        # a misspelt argument is an error, not silently dropped: `idempotencyKey` would make a retried
        # write happen twice, `summaries` would leave `approve` without its summary
        unknown = [k for k in data if k not in known] if isinstance(data, dict) else []
        if unknown:
            raise ValueError(f"unknown argument {', '.join(unknown)}; {tool.name} takes {', '.join(known)}")
        return data

    strict = type(model.__name__, (model,), {
        "__module__": model.__module__, "model_config": ConfigDict(**model.model_config, extra="forbid"),
        "refuse_unknown": model_validator(mode="before")(classmethod(check))})
    meta = tool.fn_metadata
    output = meta.output_schema
    tool.fn_metadata = LeanMetadata.model_construct(arg_model=strict, output_schema=output and lean_output(output),
                                                    output_model=meta.output_model, wrap_output=meta.wrap_output)
    tool.parameters = lean_schema(strict.model_json_schema(by_alias=True))
    tool.parameters.get("properties", {}).get("tract", {}).pop("default", None)  # optional says as much


def lean_output(schema: dict[str, Any]) -> dict[str, Any]:
    """An output schema without the result models' docstrings (written for Python readers; the tool's
    description and the fields' names say what a result holds)."""
    out = lean_schema(schema)
    out.pop("description", None)
    for sub in out.get("$defs", {}).values():
        sub.pop("description", None)
    return out


def lean_schema(schema: Any) -> Any:
    """pydantic's schema without what a client does not need: titles, `null` alternatives of optional
    fields (a null answer is left out of a result, so a nullable field is not required), `default: null`."""
    if isinstance(schema, list):
        return [lean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    nullable: set[str] = set()
    for key, value in schema.items():
        if key == "title" or (key == "additionalProperties" and value in (True, False)):
            continue  # open objects are JSON Schema's default; the server refuses unknown arguments itself
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {}
            for name, sub in value.items():
                sub, null = lean_nullable(sub)
                out[key][name] = sub
                if null and key == "properties":
                    nullable.add(name)
        else:
            out[key] = lean_schema(value)
    if "required" in out:
        out["required"] = [k for k in out["required"] if k not in nullable]
        if not out["required"]:
            out.pop("required")
    return out


def lean_nullable(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the schema without its `null` alternative, whether it had one)."""
    out = lean_schema(schema)
    options = out.get("anyOf")
    null = isinstance(options, list) and {"type": "null"} in options
    if null:
        rest = [o for o in options if o != {"type": "null"}]
        out.pop("anyOf")
        out = {**(rest[0] if len(rest) == 1 else {"anyOf": rest}), **out}
    if "default" in out and out["default"] is None:
        out.pop("default")
    return out, null

"""The parts of an API request around the messages: tool definitions, generation settings, and
Anthropic prompt-cache breakpoints. Kept apart from the message rendering in `compiled.py`.

Cache breakpoints (`cache_control: {"type": "ephemeral"}`, at most 4 per request, the API's limit)
go on the last tool definition, on the system prompt, and on the last block of the last two
messages. The API caches the request up to a breakpoint (tools, then system, then messages); the
next compile after an append repeats that prefix byte for byte, so it reads the cache there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tract_core.models.content import Settings, ToolSpec

if TYPE_CHECKING:
    from tract_core.models.compiled import Message

EPHEMERAL = {"type": "ephemeral"}
MAX_BREAKPOINTS = 4
# how each generation setting is named in each API's request
# (the Messages API of the anthropic SDK takes no temperature or top_p: they go to OpenAI only)
_ANTHROPIC_FIELDS = {"model": "model", "max_tokens": "max_tokens", "stop": "stop_sequences"}
_OPENAI_FIELDS = {"model": "model", "max_tokens": "max_completion_tokens", "temperature": "temperature",
                  "top_p": "top_p", "stop": "stop"}


def anthropic_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    """Tool definitions as the Messages API takes them (`anthropic.types.ToolParam`)."""
    out = []
    for t in tools:
        tool: dict[str, Any] = {"name": t.name, "input_schema": t.input_schema}
        if t.description:
            tool["description"] = t.description
        out.append(tool)
    return out


def openai_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    """Tool definitions as Chat Completions takes them (`ChatCompletionToolParam`)."""
    out = []
    for t in tools:
        function: dict[str, Any] = {"name": t.name, "parameters": t.input_schema}
        if t.description:
            function["description"] = t.description
        out.append({"type": "function", "function": function})
    return out


def settings_fields(settings: Settings | None, api: str) -> dict[str, Any]:
    """The settings that are set, under the request field names of `api` ("anthropic" or "openai")."""
    if settings is None:
        return {}
    names = _ANTHROPIC_FIELDS if api == "anthropic" else _OPENAI_FIELDS
    return {names[k]: v for k, v in settings.model_dump(exclude={"content_type"}).items()
            if v is not None and k in names}


def openai_request(messages: list[dict[str, Any]], tools: list[ToolSpec],
                   settings: Settings | None) -> dict[str, Any]:
    """A Chat Completions request body around `messages`."""
    body: dict[str, Any] = {**settings_fields(settings, "openai"), "messages": messages}
    if tools:
        body["tools"] = openai_tools(tools)
    return body


def finish_anthropic(request: dict[str, Any], tools: list[ToolSpec], settings: Settings | None,
                     cache: bool) -> dict[str, Any]:
    """A Messages API request (`{"system", "messages"}`) with the `tools` and the settings that are
    set (`model`, `max_tokens`, `stop_sequences`); with `cache`, its
    prompt-cache breakpoints."""
    request.update(settings_fields(settings, "anthropic"))
    if tools:
        request["tools"] = anthropic_tools(tools)
    return mark_cache_breakpoints(request) if cache else request


def mark_cache_breakpoints(request: dict[str, Any]) -> dict[str, Any]:
    """Mark `request` (a Messages API request built by `to_anthropic`, changed in place and returned)
    with at most 4 cache breakpoints: the last tool, the system prompt (turned into one text block,
    the only form that takes `cache_control`), and the last block of the last two messages: the end
    of this request, which the next compile after an append starts with, and the end of the one
    before, so a cache written a turn earlier is still found."""
    marks = 0
    if request.get("tools"):
        request["tools"][-1]["cache_control"] = dict(EPHEMERAL)
        marks += 1
    if request.get("system"):
        request["system"] = [{"type": "text", "text": request["system"], "cache_control": dict(EPHEMERAL)}]
        marks += 1
    for message in reversed(request.get("messages", [])[-2:]):
        if marks == MAX_BREAKPOINTS or not message["content"]:
            break
        message["content"][-1]["cache_control"] = dict(EPHEMERAL)
        marks += 1
    return request


MergeState = tuple[int, "str | None", bool]   # merges so far, the last message's role, its calls


def openai_merges(messages: list[Message], state: MergeState = (0, None, False)) -> MergeState:
    """How many messages `to_openai` folds into the assistant message before them (text and tool
    calls of one assistant turn: each is one message less for the API to frame), counting on from
    `state`, the result for the messages before these."""
    merges, prev_role, prev_calls = state
    for m in messages:
        if m.role == "assistant" and prev_role == "assistant" and (m.tool_calls or prev_calls):
            merges += 1
            prev_calls = prev_calls or bool(m.tool_calls)
            continue
        prev_role, prev_calls = m.role, bool(m.tool_calls)
    return merges, prev_role, prev_calls

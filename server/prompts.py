"""Prompts: how to review a pending compression, and the summarize prompt for agents that write
their own summaries."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated

from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from mcp.server.mcpserver.prompts.base import Message, UserMessage

from pydantic import Field

from prompts import SUMMARIZE_SYSTEM, build_summarize_prompt
from prompts.review import COMPRESS_REVIEW
from tract_core import TractError

if TYPE_CHECKING:
    from server.pool import TractPool


Tract = Annotated[str, Field(description="Which tract (one agent's context); default: default")]


def register_prompts(mcp: MCPServer, pool: TractPool) -> None:
    def prompt(name: str):
        """Register a prompt, its docstring dedented into the description."""
        return lambda fn: mcp.prompt(name=name, description=inspect.cleandoc(fn.__doc__ or ""))(fn)

    @prompt("compress-review")
    def compress_review(id: Annotated[str, Field(description="A pending compression's id (from compress "
                                                             "or pending); empty for the general guide")] = "",
                        tract: Tract = "default") -> list[Message]:
        """How to review a pending compression; with `id`, that compression's summary and lost facts."""
        messages: list[Message] = [UserMessage(COMPRESS_REVIEW.replace("{tract}", tract))]
        if id:
            try:
                found = [p for p in pool.read(tract).pending_compressions() if p.id.startswith(id)]  # short ids too
            except TractError as err:
                raise MCPError(INVALID_PARAMS, str(err)) from err
            if not found:
                raise MCPError(INVALID_PARAMS, f"no pending compression {id!r} in tract {tract!r}; `pending` lists them")
            messages.append(UserMessage("The compression to review:\n" + found[0].model_dump_json(indent=2)))
        return messages

    @prompt("summarize")
    def summarize(commits: Annotated[str, Field(description="Commit hashes to summarize, space- or "
                                                            "comma-separated")] = "",
                  target_tokens: Annotated[str, Field(description="Aim for a summary about this many "
                                                                  "tokens long")] = "",
                  instructions: Annotated[str, Field(description="Extra instructions for the summary")] = "",
                  tract: Tract = "default") -> list[Message]:
        """The summarize prompt tract uses: pass commit hashes (space- or comma-separated) to get it
        filled with their text, then answer it and give the summary to `approve`."""
        hashes = commits.replace(",", " ").split()
        try:
            infos = [pool.read(tract).show(h) for h in hashes]
        except TractError as err:
            raise MCPError(INVALID_PARAMS, str(err)) from err
        target = int(target_tokens) if target_tokens.strip().isdigit() else None
        body = build_summarize_prompt(infos, target, instructions or None) if infos else (
            "Summarize the commits you are compressing (the `prompts` of a pending compression "
            "hold them), following the rules above.")
        return [UserMessage(SUMMARIZE_SYSTEM), UserMessage(body)]

"""The compression tools: compress, pending, approve, reject, undo_compression, replay, gc.

Who writes a summary, so that `compress` works with any client: the client's model through MCP
sampling when the client offers it; else Claude when ANTHROPIC_API_KEY is set; else the agent
itself (a deferred compression carries the prompts; `approve` takes the agent's text).
"""

import warnings
from typing import Annotated, Literal

import anyio
import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import ClientCapabilities, SamplingCapability, SamplingMessage, TextContent
from pydantic import Field

from prompts import SUMMARIZE_SYSTEM
from server.errors import tool_errors
from server.models import (ADDS, READ, REMOVES, SUMMARIZES, BranchName, CompileResult, CompressOutcome, Format,
                           Hash, IdempotencyKey, PendingId, PendingList, TractName)
from server.pool import TractPool
from server.tools import compile_result
from tract_core.compression import resolve_summarizer
from tract_core.errors import CompressionError
from tract_core.models.audit import GCResult, OperationEvent
from tract_core.models.compression import CompressResult, PendingCompression

SAMPLING = ClientCapabilities(sampling=SamplingCapability())


def client_samples(ctx: Context) -> bool:
    session = ctx.session
    return session.check_client_capability(SAMPLING) and session.can_send_request


def sampling_summarizer(ctx: Context, max_tokens: int):
    """A `(system, prompt) -> text` summarizer that asks the client's model (called from a worker
    thread; the request itself runs on the event loop)."""
    async def ask(system: str, prompt: str) -> str:
        with warnings.catch_warnings():  # sampling is deprecated from protocol 2026-07-28, still current
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            reply = await ctx.session.create_message(
                [SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
                max_tokens=max_tokens, system_prompt=system)
        await ctx.report_progress(1, 2, "the client's model wrote a summary")
        return reply.content.text if isinstance(reply.content, TextContent) else ""

    return lambda system, prompt: anyio.from_thread.run(ask, system, prompt)


def pick_summary_source(ctx: Context, mode: str, content) -> str:
    if mode == "manual" or content is not None:
        return "manual"
    if client_samples(ctx):
        return "sampling"
    try:
        resolve_summarizer(None)
        return "anthropic"
    except CompressionError:
        if mode == "autonomous":
            raise CompressionError(
                "no summarizer: this client does not offer MCP sampling and ANTHROPIC_API_KEY is not set. "
                "Use mode='collaborative' (you write the summary and approve it), or mode='manual' with "
                "content='your summary'") from None
        return "agent"


NEXT_STEP = {
    "agent": "Write one summary per entry of pending.prompts (follow system_prompt), then call "
             "approve(id, summary=[...]) — or reject(id).",
    "pending": "Review pending.summaries and pending.lost_facts, then approve(id) (optionally with "
               "summary=... to correct it) or reject(id, reason=...).",
    "applied": "Applied. undo_compression(event_id) puts the branch back.",
}


def register_compression_tools(mcp: MCPServer, pool: TractPool) -> None:
    @mcp.tool(annotations=SUMMARIZES)
    @tool_errors
    async def compress(
            ctx: Context,
            from_commit: Annotated[Hash | None, Field(description="First commit of the range (default: the "
                                                                   "first commit)")] = None,
            to_commit: Annotated[Hash | None, Field(description="Last commit of the range (default: HEAD)")] = None,
            commits: Annotated[list[str] | None, Field(description="Or: consecutive commits to compress")] = None,
            target_tokens: Annotated[int | None, Field(gt=0, description="Aim for summaries this long")] = None,
            instructions: Annotated[str | None, Field(description="Extra instructions for the summary")] = None,
            mode: Annotated[Literal["collaborative", "autonomous", "manual"], Field(
                description="collaborative (default): a pending compression to approve; autonomous: "
                            "apply at once; manual: apply with `content` as the summary")] = "collaborative",
            content: Annotated[str | list[str] | None, Field(
                description="manual mode: the summary (one per group if PINNED commits split the range)")] = None,
            branch: BranchName = None, tract: TractName = "default",
            idempotency_key: IdempotencyKey = None) -> CompressOutcome:
        """Compress a range of the current branch (or `branch`) into summaries. Non-destructive: the sources stay in
        the store, and nothing changes before approval in collaborative mode."""
        source = pick_summary_source(ctx, mode, content)
        summarizer = sampling_summarizer(ctx, 2 * target_tokens if target_tokens else 2048) \
            if source == "sampling" else None

        def run() -> CompressOutcome:
            t = pool.with_summarizer(tract, summarizer)
            made = t.compress(commits, from_commit=from_commit, to_commit=to_commit,
                              target_tokens=target_tokens, instructions=instructions, mode=mode,
                              content=content, deferred=source == "agent", branch=branch)
            if isinstance(made, PendingCompression):
                return CompressOutcome(summary_source=source, pending=made,
                                       system_prompt=SUMMARIZE_SYSTEM if source == "agent" else None,
                                       next_step=NEXT_STEP["agent" if source == "agent" else "pending"])
            return CompressOutcome(summary_source=source, applied=made, next_step=NEXT_STEP["applied"])

        request = dict(from_commit=from_commit, to_commit=to_commit, commits=commits, mode=mode,
                       target_tokens=target_tokens, instructions=instructions, content=content,
                       branch=branch)
        await ctx.report_progress(0, 2, f"summarizing ({source})")
        outcome = await anyio.to_thread.run_sync(
            lambda: pool.once(tract, idempotency_key, "compress", request, CompressOutcome, run))
        await ctx.report_progress(2, 2, "done")
        return outcome

    @mcp.tool(annotations=READ)
    @tool_errors
    def pending(tract: TractName = "default") -> PendingList:
        """Compressions waiting for approval, with their summaries and the facts they lost."""
        return PendingList(pending=pool.get(tract).pending_compressions())

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def approve(id: PendingId, summary: Annotated[str | list[str] | None, Field(
                    description="Your (edited) summary, or one per group; required when you write it")] = None,
                force: Annotated[bool, Field(description="Apply even if the summary drops must-keep facts "
                                                         "of IMPORTANT commits (recorded)")] = False,
                tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> CompressResult:
        """Apply a pending compression to its branch (commits made since are re-applied). Refused when the
        summary drops must-keep facts (pending.must_keep_lost) unless force."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "approve", dict(id=id, summary=summary, force=force),
                         CompressResult, lambda: t.approve_compression(id, summaries=summary, force=force))

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def reject(id: PendingId, reason: Annotated[str | None, Field(description="Why (kept in the store)")] = None,
               tract: TractName = "default",
               idempotency_key: IdempotencyKey = None) -> PendingCompression:
        """Drop a pending compression; the branch stays as it is."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "reject", dict(id=id, reason=reason), PendingCompression,
                         lambda: t.reject_compression(id, reason))

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def undo_compression(event_id: Annotated[str, Field(description="The event_id a compression returned")],
                         tract: TractName = "default",
                         idempotency_key: IdempotencyKey = None) -> OperationEvent:
        """Put the branch back as it was before a compression, re-applying later commits."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "undo_compression", dict(event_id=event_id),
                         OperationEvent, lambda: t.undo_compression(event_id))

    @mcp.tool(annotations=READ)
    @tool_errors
    def replay(record_id: Annotated[str, Field(description="The record_id a compile(record=true) returned")],
               format: Format = "anthropic",
               tract: TractName = "default") -> CompileResult:
        """The exact context a `compile(record=true)` returned, byte for byte."""
        ctx = pool.get(tract).replay(record_id)
        return compile_result(ctx, format).model_copy(update={"record_id": record_id})

    @mcp.tool(annotations=REMOVES)
    @tool_errors
    async def gc(ctx: Context,
                 orphan_retention_days: Annotated[float, Field(ge=0, description="Keep unreachable commits "
                                                                                 "this long")] = 7,
                 archive_retention_days: Annotated[float | None, Field(
                     ge=0, description="Also drop compression sources older than this")] = None,
                 tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> GCResult:
        """Remove commits nothing reaches any more and blobs no commit uses."""
        await ctx.report_progress(0, 1, "collecting garbage")
        request = dict(orphan_retention_days=orphan_retention_days, archive_retention_days=archive_retention_days)
        result = await anyio.to_thread.run_sync(lambda: pool.once(
            tract, idempotency_key, "gc", request, GCResult,
            lambda: pool.get(tract).gc(orphan_retention_days, archive_retention_days)))
        await ctx.report_progress(1, 1, "done")
        return result

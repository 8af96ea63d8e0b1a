"""The `compression` group: compress, pending, approve, reject, undo_compression, replay.

Who writes a summary, so that `compress` works with any client: the client's model through MCP
sampling when the client offers it; else Claude when ANTHROPIC_API_KEY is set; else the agent
itself (a deferred compression carries the prompts; `approve` takes the agent's text).
"""

import warnings
from typing import Annotated, Literal

import anyio
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import ClientCapabilities, SamplingCapability, SamplingMessage, TextContent
from pydantic import BaseModel, Field

from server.models import (ADDS, READ, SUMMARIZES, Applied, BranchName, CompileResult, CompressOutcome, EventView,
                           Format, IdempotencyKey, PendingId, PendingView, Rev, TractName)
from server.tools import compile_result
from tract_core.compression import resolve_summarizer
from tract_core.errors import CompressionError
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.models.ids import short_id

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


# SUMMARIZE_SYSTEM's rules, short: the agent reads them in the result of every compress it writes
AGENT_RULES = ("Third person, plain prose; keep every name, number, date, path, id, command, error, decision "
               "and open task; drop filler; invent nothing; the summary text only.")
NEXT_STEP = {
    "agent": "Summarize each prompt (rules), then approve(id, summary=[...]) or reject(id).",
    "pending": "Review summaries and lost_facts, then approve(id) (summary=... to correct) or reject(id).",
    "applied": "Applied; undo_compression(event_id) puts the branch back.",
}


class PendingList(BaseModel):
    """Oldest first."""

    pending: list[CompressOutcome]


def outcome(made, source: str | None) -> CompressOutcome:
    sources = made.source_hashes
    common = dict(source=source, range=f"{short_id(sources[0])}..{short_id(sources[-1])}" if sources else "",
                  commits=len(sources), tokens=made.original_tokens)
    if isinstance(made, CompressResult):
        return CompressOutcome(event_id=short_id(made.event_id), next=NEXT_STEP["applied"], **common)
    if made.needs_summary:
        return CompressOutcome(id=short_id(made.id), prompts=made.prompts, rules=AGENT_RULES,
                               next=NEXT_STEP["agent"], **common)
    return CompressOutcome(id=short_id(made.id), summaries=made.summaries, summary_tokens=made.summary_tokens,
                           lost_facts=[f.text for f in made.lost_facts] or None,
                           must_keep_lost=list(made.must_keep_lost) or None, next=NEXT_STEP["pending"], **common)


def pending_outcome(p: PendingCompression) -> CompressOutcome:
    """A stored pending compression: who wrote its summary is not kept, only whether one is missing."""
    return outcome(p, "agent" if p.needs_summary else None)


def applied(r: CompressResult) -> Applied:
    return Applied(event_id=short_id(r.event_id), branch=r.branch, head=short_id(r.new_head),
                   tokens_before=r.original_tokens, tokens_after=r.compressed_tokens, reapplied=len(r.reapplied))


def register(ts) -> None:
    pool = ts.pool

    @ts.tool("Compress history", SUMMARIZES)
    async def compress(
            ctx: Context,
            from_commit: Annotated[Rev | None, Field(description="First commit; default: the first")] = None,
            to_commit: Annotated[Rev | None, Field(description="Last commit; default: HEAD")] = None,
            commits: Annotated[list[str] | None, Field(description="Or: consecutive commits")] = None,
            target_tokens: Annotated[int | None, Field(gt=0, description="Summary length to aim for")] = None,
            instructions: Annotated[str | None, Field(description="For the summary writer")] = None,
            mode: Annotated[Literal["collaborative", "autonomous", "manual"], Field(
                description="collaborative: pending until approved; autonomous: apply now; manual: apply "
                            "`content` as the summary")] = "collaborative",
            content: Annotated[str | list[str] | None, Field(description="manual: the summary (one per group)")] = None,
            branch: BranchName = None, tract: TractName = "default",
            idempotency_key: IdempotencyKey = None) -> CompressOutcome:
        """Replace old turns with a summary to free context; sources stay in the store."""
        source = pick_summary_source(ctx, mode, content)
        summarizer = sampling_summarizer(ctx, 2 * target_tokens if target_tokens else 2048) \
            if source == "sampling" else None

        def run() -> CompressOutcome:
            t = pool.with_summarizer(tract, summarizer)
            return outcome(t.compress(commits, from_commit=from_commit, to_commit=to_commit,
                                      target_tokens=target_tokens, instructions=instructions, mode=mode,
                                      content=content, deferred=source == "agent", branch=branch), source)

        request = dict(from_commit=from_commit, to_commit=to_commit, commits=commits, mode=mode,
                       target_tokens=target_tokens, instructions=instructions, content=content, branch=branch)
        await ctx.report_progress(0, 2, f"summarizing ({source})")
        result = await anyio.to_thread.run_sync(
            lambda: pool.once(tract, idempotency_key, "compress", request, CompressOutcome, run))
        await ctx.report_progress(2, 2, "done")
        return result

    @ts.tool("Pending compressions", READ)
    def pending(tract: TractName = "default") -> PendingList:
        """Compressions waiting for approve or reject, with summaries and lost facts."""
        return PendingList(pending=[pending_outcome(p) for p in pool.read(tract).pending_compressions()])

    @ts.tool("Approve compression", ADDS)
    def approve(id: PendingId, summary: Annotated[str | list[str] | None, Field(
                    description="Your summary, one per prompt")] = None,
                force: Annotated[bool, Field(description="Despite must_keep_lost")] = False,
                tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> Applied:
        """Apply a pending compression; later commits are re-applied."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "approve", dict(id=id, summary=summary, force=force), Applied,
                         lambda: applied(t.approve_compression(id, summaries=summary, force=force)))

    @ts.tool("Reject compression", ADDS)
    def reject(id: PendingId, reason: Annotated[str | None, Field(description="Why (kept)")] = None,
               tract: TractName = "default",
               idempotency_key: IdempotencyKey = None) -> PendingView:
        """Drop a pending compression; the branch stays as it is."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "reject", dict(id=id, reason=reason), PendingView,
                         lambda: pending_view(t.reject_compression(id, reason)))

    @ts.tool("Undo compression", ADDS)
    def undo_compression(event_id: Annotated[str, Field(description="From approve or compress")],
                         tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> EventView:
        """Put the branch back as before a compression, re-applying later commits."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "undo_compression", dict(event_id=event_id), EventView,
                         lambda: event_view(t.undo_compression(event_id)))

    @ts.tool("Replay context", READ)
    def replay(record_id: Annotated[str, Field(description="From compile(record=true)")],
               format: Format = "anthropic", tract: TractName = "default") -> CompileResult:
        """The exact context a compile(record=true) returned, byte for byte."""
        ctx = pool.read(tract).replay(record_id)
        return compile_result(ctx, format).model_copy(update={"record_id": short_id(record_id)})


def pending_view(p: PendingCompression) -> PendingView:
    return PendingView(id=short_id(p.id), status=p.status)


def event_view(e) -> EventView:
    return EventView(id=short_id(e.id), kind=e.kind, branch=e.branch, head=short_id(e.results[-1]) if e.results else None)

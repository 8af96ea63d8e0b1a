"""The history tools: commit, log, show, status, diff, branches, merge, reset, annotate, compile.

Each is a few lines over one `Tract` call; `server.errors.tool_errors` turns the library's errors
into tool errors.
"""

from datetime import datetime
from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from server.errors import tool_errors
from server.models import (ADDS, MOVES, PRIORITY, READ, REMOVES, BranchList, BranchName, Committed, CompileResult,
                           Content,
                           Format, Hash, HeadResult, IdempotencyKey, LogResult, TractName)
from server.pool import TractPool
from tract_core.models.commit import BranchInfo, CommitInfo, DiffResult, MergeResult, Status
from tract_core.models.enums import Priority


def merge_conflict_error(result: MergeResult, branch: str) -> ToolError:
    lines = "; ".join(c.detail for c in result.conflicts)
    return ToolError(f"merge of {branch!r} stopped on {len(result.conflicts)} conflict(s): {lines}. "
                     "Nothing was written. Merge again with strategy='ours' or strategy='theirs' to "
                     "choose a side.")


def register_history_tools(mcp: MCPServer, pool: TractPool) -> None:
    @mcp.tool(annotations=ADDS)
    @tool_errors
    async def commit(content: Content,
                     message: Annotated[str | None, Field(description="A note on why this turn was committed "
                                                                       "(not sent to the model)")] = None,
                     priority: Annotated[Priority | None, Field(description=PRIORITY + "; default: by kind "
                                                                         "(instructions are pinned)")] = None,
                     metadata: Annotated[dict | None, Field(description="Any JSON object kept with the commit "
                                                                        "(not sent to the model)")] = None,
                     operation: Annotated[Literal["append", "edit"], Field(
                         description="append a turn, or edit (replace) the turn named by edit_target")] = "append",
                     edit_target: Hash | None = None, branch: BranchName = None, tract: TractName = "default",
                     idempotency_key: IdempotencyKey = None) -> Committed:
        """Commit one turn (instruction, dialogue, tool call/result, reasoning, artifact, output,
        freeform) to the context. Returns the new commit without its content; its `hash` names it
        from now on."""
        request = dict(content=content.model_dump(mode="json"), message=message, priority=priority,
                       metadata=metadata, operation=operation, edit_target=edit_target, branch=branch)
        # the hot path: `pool.run` spares it the worker-thread hop on stdio
        return await pool.run(lambda: pool.once(
            tract, idempotency_key, "commit", request, Committed, lambda: Committed.of(pool.get(tract).commit(
                content.model_dump(), operation=operation, edit_target=edit_target, message=message,
                metadata=metadata, priority=priority, branch=branch))), tract)

    @mcp.tool(annotations=READ)
    @tool_errors
    def log(limit: Annotated[int | None, Field(ge=0, description="At most this many commits")] = 20,
            branch: Annotated[str | None, Field(description="Default: the current branch")] = None,
            tract: TractName = "default") -> LogResult:
        """The commits of a branch, newest first."""
        return LogResult(commits=pool.get(tract).log(limit, branch))

    @mcp.tool(annotations=READ)
    @tool_errors
    def show(hash: Hash, tract: TractName = "default") -> CommitInfo:
        """One commit with its content, priority, parents and metadata."""
        return pool.get(tract).show(hash)

    @mcp.tool(annotations=READ)
    @tool_errors
    def status(tract: TractName = "default") -> Status:
        """Current branch, HEAD, commit and token counts, pending compressions."""
        return pool.get(tract).status()

    @mcp.tool(annotations=READ)
    @tool_errors
    def diff(a: Hash, b: Hash, tract: TractName = "default") -> DiffResult:
        """How the compiled context at `b` differs from the one at `a`."""
        return pool.get(tract).diff(a, b)

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def branch(name: Annotated[str, Field(description="The new branch's name (letters, digits, . _ / -)")],
               switch: Annotated[bool, Field(description="Also make it the current branch")] = False,
               start: Annotated[str | None, Field(description="Commit or branch to start from; "
                                                               "default: HEAD")] = None,
               tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> BranchInfo:
        """Create a branch (at HEAD or `start`), optionally switching to it."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "branch", dict(name=name, switch=switch, start=start),
                         BranchInfo, lambda: t.branch(name, start, switch))

    @mcp.tool(annotations=MOVES)
    @tool_errors
    def switch(name: Annotated[str, Field(description="An existing branch (list_branches shows them)")],
               tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> BranchInfo:
        """Make `name` the current branch."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "switch", dict(name=name), BranchInfo, lambda: t.switch(name))

    @mcp.tool(annotations=MOVES)
    @tool_errors
    def checkout(hash: Hash, tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> HeadResult:
        """Detach HEAD at a commit to look at the past (a branch name switches to it instead)."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "checkout", dict(hash=hash), HeadResult,
                         lambda: HeadResult(head=t.checkout(hash)))

    @mcp.tool(annotations=READ)
    @tool_errors
    def list_branches(tract: TractName = "default") -> BranchList:
        """All branches with their heads; `current` marks HEAD's branch."""
        return BranchList(branches=pool.get(tract).list_branches())

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def merge(branch: Annotated[str, Field(description="The branch to merge into the current one")],
              strategy: Annotated[Literal["auto", "ours", "theirs"], Field(
                  description="auto stops on conflicts; ours/theirs resolve them for one side")] = "auto",
              message: Annotated[str | None, Field(description="The merge commit's message")] = None,
              tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> MergeResult:
        """Merge a branch into the current branch: fast-forward or a merge commit. Conflicts are
        reported as an error and nothing is written."""
        t = pool.get(tract)
        result = pool.once(tract, idempotency_key, "merge", dict(branch=branch, strategy=strategy,
                                                                 message=message),
                           MergeResult, lambda: t.merge(branch, strategy, message))
        if result.kind == "conflict":
            raise merge_conflict_error(result, branch)
        return result

    @mcp.tool(annotations=REMOVES)
    @tool_errors
    def reset(target: Hash, mode: Annotated[Literal["soft", "hard"], Field(
                  description="soft keeps the abandoned commits from gc for a while; hard does not")] = "soft",
              branch: BranchName = None, tract: TractName = "default",
              idempotency_key: IdempotencyKey = None) -> HeadResult:
        """Move the current branch (or `branch`, or a detached HEAD) to `target`."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "reset", dict(target=target, mode=mode, branch=branch),
                         HeadResult, lambda: HeadResult(head=t.reset(target, mode, branch)))

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def annotate(hash: Hash, priority: Annotated[Priority, Field(description=PRIORITY)],
                 reason: Annotated[str | None, Field(description="Why (kept in the store)")] = None,
                 branch: BranchName = None,
                 tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> CommitInfo:
        """Set a commit's priority: pinned (always kept), normal, or skip (left out of compile)."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "annotate", dict(hash=hash, priority=priority,
                                                                  reason=reason, branch=branch),
                         CommitInfo, lambda: t.annotate(hash, priority, reason, branch))

    @mcp.tool(annotations=ADDS)
    @tool_errors
    def compile(at_commit: Annotated[str | None, Field(description="Compile as of this commit")] = None,
                at_time: Annotated[datetime | None, Field(
                    description="Compile the branch as it was then (ISO 8601 with a timezone)")] = None,
                budget: Annotated[int | None, Field(ge=0, description="Token budget: the newest turns "
                                                                       "that fit are kept, pinned ones always")] = None,
                format: Format = "anthropic",
                record: Annotated[bool, Field(description="Keep a record to replay() this exact "
                                                          "context later")] = False,
                tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> CompileResult:
        """The exact message list the current branch sends to a model."""
        t = pool.get(tract)
        options = {"record": True} if record else {}
        request = dict(at_commit=at_commit, at_time=at_time, budget=budget, format=format, record=record)
        return pool.once(tract, idempotency_key, "compile", request, CompileResult,
                         lambda: compile_result(t.compile(at_commit, at_time, budget, **options), format))


def compile_result(ctx, format: str) -> CompileResult:
    common = dict(format=format, token_count=ctx.token_count, head=ctx.head,
                  commit_hashes=ctx.commit_hashes, dropped=ctx.dropped,
                  renamed_call_ids=ctx.renamed_call_ids,
                  record_id=getattr(ctx, "record_id", None))
    if format == "anthropic":
        request = ctx.to_anthropic()
        return CompileResult(system=request["system"], messages=request["messages"], **common)
    return CompileResult(messages=ctx.to_openai(), **common)

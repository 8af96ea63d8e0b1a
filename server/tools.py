"""The `history` group: commit, log, show, status, diff, branch, switch, checkout, list_branches,
delete_branch, merge, reset, annotate, tag, search, compile.

Each is a few lines over one `Tract` call; `server.toolsets` registers them lean.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from server.lines import branch_line, commit_line
from server.models import (ADDS, MOVES, PRIORITY, READ, REMOVES, Annotation, BranchName, BranchView, CommitView,
                           CompileResult, Committed, ContentIn, Format, Head, IdempotencyKey, Lines, MergeView,
                           PriorityName, Rev, StatusView, TractName)
from tract_core.models.commit import MergeResult
from tract_core.models.ids import short_id

Kind = Annotated[str | None, Field(description="Only this content_type")]
Limit = Annotated[int, Field(ge=0, description="At most")]
Reason = Annotated[str | None, Field(description="Why (kept)")]
Role = Annotated[Literal["system", "user", "assistant", "tool"] | None, Field(description="Only this role")]


class LogResult(BaseModel):
    """One line per commit (newest first), or `commits` with full=true; `more`: pass as `before`."""

    lines: list[str] | None = None
    commits: list[dict[str, Any]] | None = None
    more: str | None = None


class Tagged(BaseModel):
    hash: str
    tags: list[str]


class DiffView(BaseModel):
    added: list[str]
    removed: list[str]
    edited: list[str]
    token_delta: int


def merge_conflict_error(result: MergeResult, branch: str) -> ToolError:
    lines = "; ".join(c.detail for c in result.conflicts[:2])
    return ToolError(f"merge of {branch} stopped on {len(result.conflicts)} conflict(s), nothing written: "
                     f"{lines}. Merge again with strategy ours or theirs.")


def current_branch(t) -> str | None:
    from tract_core.operations.refs import RefView  # the store's modules load after start-up

    with t.store.read() as tx:
        return RefView.read(tx, t.tract_id).branch


def register(ts) -> None:
    pool = ts.pool

    @ts.tool("Commit", ADDS)
    async def commit(content: Annotated[ContentIn | None, Field(description="One turn")] = None,
                     turns: Annotated[list[ContentIn] | None, Field(
                         description="Several turns (a tool call and result), all or none")] = None,
                     message: Annotated[str | None, Field(description="Why (not sent)")] = None,
                     priority: Annotated[PriorityName | None, Field(description=PRIORITY)] = None,
                     metadata: Annotated[dict[str, Any] | str | None, Field(description="Kept, not sent")] = None,
                     operation: Annotated[Literal["append", "edit"], Field(
                         description="edit: replace edit_target")] = "append",
                     edit_target: Rev | None = None, branch: BranchName = None, tract: TractName = "default",
                     idempotency_key: IdempotencyKey = None) -> Committed:
        """Record a turn (content) or several (turns) in the context; use after each turn worth keeping."""
        if (content is None) == (turns is None):
            raise ToolError("give either content (one turn) or turns (a list), not both or neither")
        if turns is not None and (operation != "append" or message or priority or metadata):
            raise ToolError("turns are plain appends: commit one content to edit or set message, "
                            "priority or metadata")
        request = dict(content=content and content.plain(), turns=turns and [c.plain() for c in turns],
                       message=message, priority=priority, metadata=metadata, operation=operation,
                       edit_target=edit_target, branch=branch)

        def run() -> Committed:
            t = pool.get(tract)
            if turns is not None:
                infos = t.commit_many([c.plain() for c in turns], branch=branch)
            else:
                infos = [t.commit(content.plain(), operation=operation, edit_target=edit_target, message=message,
                                  metadata=metadata, priority=priority, branch=branch)]
            return Committed.of(infos, branch or t.last_branch or current_branch(t), many=turns is not None)

        # the hot path: `pool.run` spares it the worker-thread hop on stdio
        return await pool.run(lambda: pool.once(tract, idempotency_key, "commit", request, Committed, run), tract)

    @ts.tool("Log", READ)
    def log(limit: Limit = 20,
            before: Annotated[str | None, Field(description="Older than this commit (paging: `more`)")] = None,
            kind: Kind = None, role: Role = None,
            full: Annotated[bool, Field(description="Whole commits with content")] = False,
            branch: BranchName = None, tract: TractName = "default") -> LogResult:
        """A branch's commits, newest first, one line each; full=true for content."""
        filters = {k: v for k, v in dict(before=before, kind=kind, role=role).items() if v is not None}
        found = pool.read(tract).log(limit + 1, branch, **filters)
        page, more = found[:limit], found[limit - 1].hash if limit and len(found) > limit else None
        if full:
            return LogResult(commits=[CommitView.of(c).model_dump(mode="json", exclude_none=True) for c in page],
                             more=short_id(more))
        return LogResult(lines=[commit_line(c) for c in page], more=short_id(more))

    @ts.tool("Show commit", READ)
    def show(hash: Rev, tract: TractName = "default") -> CommitView:
        """One commit with its content, parents, priority and metadata."""
        return CommitView.of(pool.read(tract).show(hash))

    @ts.tool("Status", READ)
    def status(tract: TractName = "default") -> StatusView:
        """Current branch, HEAD, commit and token counts, pending count."""
        s = pool.read(tract).status()
        return StatusView(branch=s.branch, head=short_id(s.head), detached=s.detached or None,
                          commits=s.commit_count, tokens=s.token_count, pending=s.pending_compressions or None)

    @ts.tool("Diff", READ)
    def diff(a: Rev, b: Rev, tract: TractName = "default") -> DiffView:
        """How the compiled context at `b` differs from the one at `a`."""
        d = pool.read(tract).diff(a, b)
        return DiffView(added=[short_id(h) for h in d.added], removed=[short_id(h) for h in d.removed],
                        edited=[short_id(e.target) for e in d.edited], token_delta=d.token_delta)

    @ts.tool("Create branch", ADDS)
    def branch(name: Annotated[str, Field(description="New branch name")],
               switch: Annotated[bool, Field(description="Also switch to it")] = False,
               start: Annotated[str | None, Field(description="Start commit; default HEAD")] = None,
               tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> BranchView:
        """Start a branch to try something without touching the current one."""
        t = pool.get(tract)
        return pool.once(tract, idempotency_key, "branch", dict(name=name, switch=switch, start=start),
                         BranchView, lambda: branch_view(t.branch(name, start, switch)))

    @ts.tool("Switch branch", MOVES)
    def switch(name: Annotated[str, Field(description="Existing branch")], tract: TractName = "default",
               idempotency_key: IdempotencyKey = None) -> BranchView:
        """Make `name` the current branch."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "switch", dict(name=name), BranchView,
                         lambda: branch_view(t.switch(name)))

    @ts.tool("Check out commit", MOVES)
    def checkout(hash: Rev, tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> Head:
        """Detach HEAD at a commit to look at the past (a branch name switches to it)."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "checkout", dict(hash=hash), Head,
                         lambda: Head(head=short_id(t.checkout(hash))))

    @ts.tool("List branches", READ)
    def list_branches(tract: TractName = "default") -> Lines:
        """Branches with their heads; * marks the current one."""
        return Lines(lines=[branch_line(b) for b in pool.read(tract).list_branches()])

    @ts.tool("Delete branch", REMOVES)
    def delete_branch(name: Annotated[str, Field(description="Branch to delete")],
                      force: Annotated[bool, Field(description="Even if not merged")] = False,
                      tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> BranchView:
        """Delete a dead branch (its commits stay until gc)."""
        t = pool.read(tract)

        def run() -> BranchView:
            head = next((b.head for b in t.list_branches() if b.name == name), None)
            t.delete_branch(name, force)
            return BranchView(name=name, head=short_id(head))
        return pool.once(tract, idempotency_key, "delete_branch", dict(name=name, force=force), BranchView, run)

    @ts.tool("Merge branch", ADDS)
    def merge(branch: Annotated[str, Field(description="Branch to merge into the current one")],
              strategy: Annotated[Literal["auto", "ours", "theirs"], Field(
                  description="auto stops on conflicts")] = "auto",
              message: Annotated[str | None, Field(description="Merge commit message")] = None,
              tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> MergeView:
        """Bring a branch's turns into the current branch (fast-forward or merge commit)."""
        t = pool.read(tract)
        result = pool.once(tract, idempotency_key, "merge", dict(branch=branch, strategy=strategy, message=message),
                           MergeResult, lambda: t.merge(branch, strategy, message))
        if result.kind == "conflict":
            raise merge_conflict_error(result, branch)
        return MergeView(kind=result.kind, head=short_id(result.head))

    @ts.tool("Reset branch", REMOVES)
    def reset(target: Rev, mode: Annotated[Literal["soft", "hard"], Field(
                  description="hard: abandoned commits may be gc'd at once")] = "soft",
              branch: BranchName = None, tract: TractName = "default",
              idempotency_key: IdempotencyKey = None) -> Head:
        """Move the branch back to `target`, dropping later turns from the context."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "reset", dict(target=target, mode=mode, branch=branch), Head,
                         lambda: Head(head=short_id(t.reset(target, mode, branch))))

    @ts.tool("Set priority", ADDS)
    def annotate(hash: Rev, priority: Annotated[PriorityName, Field(description=PRIORITY)],
                 reason: Reason = None, branch: BranchName = None, tract: TractName = "default",
                 idempotency_key: IdempotencyKey = None) -> Annotation:
        """Pin, skip or mark a commit important."""
        t = pool.read(tract)
        return pool.once(tract, idempotency_key, "annotate",
                         dict(hash=hash, priority=priority, reason=reason, branch=branch), Annotation,
                         lambda: annotation(t.annotate(hash, priority, reason, branch)))

    @ts.tool("Tag commit", ADDS)
    def tag(hash: Rev, names: Annotated[list[str], Field(description="Tags to add")],
            remove: Annotated[bool, Field(description="Remove them instead")] = False,
            tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> Tagged:
        """Name a commit with tags that log shows and search finds."""
        t = pool.read(tract)

        def run() -> Tagged:
            info = t.untag(hash, *names) if remove else t.tag(hash, *names)
            return Tagged(hash=short_id(info.hash), tags=list(info.tags))
        return pool.once(tract, idempotency_key, "tag", dict(hash=hash, names=names, remove=remove), Tagged, run)

    @ts.tool("Search", READ)
    def search(text: Annotated[str | None, Field(description="Words to find")] = None, kind: Kind = None,
               role: Role = None, tag: Annotated[str | None, Field(description="Only with this tag")] = None,
               branch: BranchName = None,
               all_branches: Annotated[bool, Field(description="Every branch")] = False, limit: Limit = 20,
               tract: TractName = "default") -> Lines:
        """Find old turns by words, kind, role or tag; newest first, the match in context."""
        hits = pool.read(tract).search(text, kind=kind, role=role, tag=tag, branch=branch,
                                      all_branches=all_branches, limit=limit)
        return Lines(lines=[f"{h.short} {h.role or h.kind}: {h.snippet}"
                            + (f" [{', '.join('#' + x for x in h.tags)}]" if h.tags else "") for h in hits])

    @ts.tool("Compile context", ADDS)
    def compile(at_commit: Annotated[str | None, Field(description="As of this commit")] = None,
                at_time: Annotated[datetime | None, Field(description="As of then (ISO 8601)")] = None,
                budget: Annotated[int | None, Field(ge=0, description="Token budget; oldest turns go first")] = None,
                format: Format = "anthropic",
                record: Annotated[bool, Field(description="Keep a record for replay")] = False,
                dropped: Annotated[bool, Field(description="List the turns left out")] = False,
                tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> CompileResult:
        """The exact messages to send to the model now."""
        t = pool.read(tract)
        options = {"record": True} if record else {}
        request = dict(at_commit=at_commit, at_time=at_time, budget=budget, format=format, record=record,
                       dropped=dropped)
        return pool.once(tract, idempotency_key, "compile", request, CompileResult,
                         lambda: compile_result(t.compile(at_commit, at_time, budget, **options), format, dropped))


def branch_view(b) -> BranchView:
    return BranchView(name=b.name, head=short_id(b.head), current=b.current or None)


def annotation(c) -> Annotation:
    return Annotation(hash=short_id(c.hash), priority=c.priority.value)


def dropped_line(d) -> str:
    """`<hash12> <reason>` for a dropped commit (a bare hash before drops carried reasons)."""
    return short_id(d) if isinstance(d, str) else f"{short_id(d.commit)} {d.reason}"


def compile_result(ctx, format: str, list_dropped: bool = False) -> CompileResult:
    dropped = [dropped_line(d) for d in ctx.dropped] if list_dropped else len(ctx.dropped)
    common = dict(tokens=ctx.token_count, head=short_id(ctx.head), commits=len(ctx.commit_hashes), dropped=dropped,
                  renamed_call_ids=getattr(ctx, "renamed_call_ids", None) or None,
                  record_id=short_id(getattr(ctx, "record_id", None)))
    if format == "anthropic":
        request = ctx.to_anthropic()
        return CompileResult(system=request["system"], messages=request["messages"], **common)
    return CompileResult(messages=ctx.to_openai(), **common)

"""The server's argument types and result models: lean, short hashes, one line per item.

What a tool answers is read into the agent's own context, so results carry what the next step
needs and no more; `show`, `log(full=true)` and `compile(dropped=true)` give the details.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from tract_core.models.commit import CommitInfo
from tract_core.models.ids import short_id

# --- arguments (descriptions short: each is paid in every conversation) ---
# the schema a client sees is shorter than what the server checks (both pay off in every conversation)
TractName = Annotated[str, Field(min_length=1, max_length=255), WithJsonSchema(
    {"type": "string", "description": "Tract (agent context) name"})]
BranchName = Annotated[str | None, Field(description="Default: current branch")]
IdempotencyKey = Annotated[str | None, Field(max_length=255), WithJsonSchema(
    {"type": "string", "description": "Retry key"})]
Rev = Annotated[str, Field(description="Commit: hash prefix, branch[~N], HEAD~N")]
# an object, or its JSON text: strict schema transforms (OpenAI strict mode) close every object, which
# would leave a free-form one empty; the text form stays usable (the library parses it)
JsonArg = dict[str, Any] | str
PRIORITY = "skip: left out; pinned: kept whole; important: facts survive compression"
PriorityName = Literal["skip", "normal", "important", "pinned"]
Format = Annotated[Literal["anthropic", "openai"], Field(description="Message format")]
PendingId = Annotated[str, Field(description="Pending compression id (prefix ok)")]


class ContentIn(BaseModel):
    """A turn: `content_type` and that kind's fields (the tract's content registry checks them)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=lambda s: s.pop("description", None))

    content_type: str = Field(description="dialogue(role,text) tool_io(tool_name,call_id,direction,arguments|result,"
                                          "is_error) artifact(name,text) freeform(payload) instruction|reasoning|"
                                          "output(text), or a registered kind")
    role: Literal["user", "assistant"] | None = None
    text: str | None = None
    tool_name: str | None = None
    call_id: str | None = None
    direction: Literal["call", "result"] | None = None
    arguments: JsonArg | None = None
    result: Any = None
    # is_error, name, payload, mime_type: allowed (extra), named in content_type's description

    def plain(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


# --- results ---
class Committed(BaseModel):
    """`hash` of one turn; `hashes` for `turns`, in order."""

    hash: str | None = None
    hashes: list[str] | None = None
    branch: str | None = None
    tokens: int
    warnings: list[str] | None = None  # what a commit leaves wrong, e.g. a result that answers no call

    @classmethod
    def of(cls, infos: CommitInfo | list[CommitInfo], branch: str | None = None, many: bool = False) -> Committed:
        infos = [infos] if isinstance(infos, CommitInfo) else infos
        tokens = sum(i.token_count for i in infos)
        warnings = [w for i in infos for w in getattr(i, "warnings", None) or ()] or None
        if many:
            return cls(hashes=[short_id(i.hash) for i in infos], branch=branch, tokens=tokens, warnings=warnings)
        return cls(hash=short_id(infos[0].hash), branch=branch, tokens=tokens, warnings=warnings)


class Lines(BaseModel):
    """One line per item, newest first; `more`: pass as `before` for the next page."""

    lines: list[str]
    more: str | None = None


class CommitView(BaseModel):
    hash: str
    kind: str | None = None
    content: Any = None
    tokens: int = 0
    priority: str | None = None
    parents: list[str] = Field(default_factory=list)
    edit_of: str | None = None
    message: str | None = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    at: str

    @classmethod
    def of(cls, c: CommitInfo) -> CommitView:
        content = c.content.model_dump(mode="json") if hasattr(c.content, "model_dump") else c.content
        return cls(hash=short_id(c.hash), kind=c.content_type or c.operation.value, content=content,
                   tokens=c.token_count, priority=None if c.priority.value == "normal" else c.priority.value,
                   parents=[short_id(p) for p in c.parents], edit_of=short_id(c.edit_target),
                   message=c.message, metadata=c.metadata or None, tags=getattr(c, "tags", None) or None,
                   at=c.created_at.isoformat(timespec="seconds"))


class Commits(BaseModel):
    commits: list[CommitView]
    more: str | None = None


class StatusView(BaseModel):
    branch: str | None = None
    head: str | None = None
    detached: bool | None = None
    commits: int
    tokens: int
    pending: int | None = None


class Head(BaseModel):
    head: str | None = None
    branch: str | None = None


class MergeView(BaseModel):
    kind: Literal["fast_forward", "merged", "up_to_date"]
    head: str | None = None


class Annotation(BaseModel):
    hash: str
    priority: str


class CompileResult(BaseModel):
    """The context ready to send; `dropped`: turns left out (a count; the list with dropped=true)."""

    system: str | None = None
    messages: list[dict[str, Any]]
    tokens: int
    head: str | None = None
    commits: int
    dropped: int | list[str] = 0  # with dropped=true: "<hash> <reason>" (budget, skip, unanswered_call, …)
    renamed_call_ids: dict[str, str] | None = None  # rendered tool-call id -> stored one, when ids were reused
    record_id: str | None = None


class CompressOutcome(BaseModel):
    """A pending compression (`id`), or an applied one (`event_id`). Agent-written: answer `prompts`
    following `rules`, then approve(id, summary=[...])."""

    id: str | None = None
    event_id: str | None = None
    source: Literal["sampling", "anthropic", "agent", "manual"] | None = None  # who wrote it (pending: not kept)
    range: str
    commits: int
    tokens: int
    prompts: list[str] | None = None
    rules: str | None = None
    summaries: list[str | None] | None = None
    summary_tokens: int | None = None
    lost_facts: list[str] | None = None  # most likely to matter first
    must_keep_lost: list[str] | None = None  # approve refuses these unless force
    next: str


class Applied(BaseModel):
    """A compression applied: undo_compression(event_id) puts the branch back."""

    event_id: str
    branch: str
    head: str
    tokens_before: int
    tokens_after: int
    reapplied: int = 0


class EventView(BaseModel):
    id: str
    kind: str
    branch: str | None = None
    head: str | None = None


class PendingView(BaseModel):
    id: str
    status: str


class GCView(BaseModel):
    commits_removed: int
    blobs_removed: int
    tokens_freed: int
    records_removed: int = 0
    event_id: str | None = None


class BranchView(BaseModel):
    name: str
    head: str | None = None
    current: bool | None = None


# Hints for clients (e.g. to run read-only tools without asking). Nothing tract does is lost before
# gc: even reset and compression keep the old commits in the store.
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
ADDS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
MOVES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                        open_world_hint=False)
REMOVES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
SUMMARIZES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)

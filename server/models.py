"""The server's argument types and result models (the library's own models where they fit)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from tract_core.models.commit import BranchInfo, CommitInfo
from tract_core.models.compiled import DroppedCommit
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.models.content import BuiltinContent

TractName = Annotated[str, Field(description="Which tract (one agent's context) to use; one server "
                                             "holds many.", min_length=1, max_length=255)]
BranchName = Annotated[str | None, Field(description="Branch to write on; default: the current branch.")]
IdempotencyKey = Annotated[str | None, Field(
    description="Retrying with the same key returns the first call's result and writes nothing more "
                "(keys are kept 24 h).", max_length=255)]
Hash = Annotated[str, Field(description="A commit hash, a unique prefix of one (4+ hex digits), or a "
                                        "branch name.")]
PRIORITY = ("skip: left out of compile; normal; pinned: kept under any budget and never compressed")
Format = Annotated[Literal["anthropic", "openai"], Field(
    description="anthropic: {system, messages} for the Messages API; openai: Chat Completions messages")]
PendingId = Annotated[str, Field(description="The pending compression's id (pending.id from compress, or "
                                             "from the pending tool)")]


class Committed(BaseModel):
    """What `commit` answers: the new commit without its content (the agent has that already, and
    echoing a large tool result would spend its context twice). `show` gives the content."""

    hash: str
    parents: list[str]
    operation: str
    edit_target: str | None = None
    content_type: str | None = None
    token_count: int = 0
    priority: str
    message: str | None = None
    created_at: str
    warnings: list[str] = Field(default_factory=list, description="What this commit leaves wrong, e.g. "
                                "a tool result that answers no call (compile leaves it out).")

    @classmethod
    def of(cls, info: CommitInfo) -> Committed:
        return cls(hash=info.hash, parents=info.parents, operation=info.operation.value,
                   edit_target=info.edit_target, content_type=info.content_type,
                   token_count=info.token_count, priority=info.priority.value, message=info.message,
                   created_at=info.created_at.isoformat(), warnings=info.warnings)


class OtherContent(BaseModel):
    """Content of a kind registered on this tract: `content_type` plus that kind's fields."""

    model_config = ConfigDict(extra="allow")

    content_type: str


Content = Annotated[Union[BuiltinContent, OtherContent], Field(
    union_mode="left_to_right",
    description="What to commit: an object with `content_type` (instruction, dialogue, tool_io, "
                "reasoning, artifact, output, freeform, or a registered kind) and that kind's fields.")]


class LogResult(BaseModel):
    commits: list[CommitInfo] = Field(description="Newest first.")


class BranchList(BaseModel):
    branches: list[BranchInfo]


class HeadResult(BaseModel):
    """Where HEAD (or the branch) points after the operation."""

    head: str | None


class CompileResult(BaseModel):
    """A compiled context in the requested API format, ready to send to a model."""

    format: Literal["anthropic", "openai"]
    system: str | None = Field(None, description="The system prompt (anthropic format only).")
    messages: list[dict[str, Any]]
    token_count: int
    head: str | None
    commit_hashes: list[str]
    dropped: list[DroppedCommit] = Field(default_factory=list, description="Commits left out, each with why: "
                                         "budget, skip, unanswered_call or result_without_call.")
    renamed_call_ids: dict[str, str] = Field(default_factory=dict, description="Rendered tool-call id -> "
                                             "the stored one, for ids a conversation reused.")
    record_id: str | None = Field(None, description="With record=true: pass to replay() later.")


class CompressOutcome(BaseModel):
    """What `compress` did, and who wrote (or must write) the summary."""

    summary_source: Literal["sampling", "anthropic", "agent", "manual"] = Field(
        description="sampling: the client's model; anthropic: ANTHROPIC_API_KEY; agent: you write it "
                    "(answer `prompts` following `system_prompt`, then approve(id, summary=…)); "
                    "manual: the content you gave.")
    pending: PendingCompression | None = Field(None, description="Set in collaborative mode: review, "
                                                                  "then approve or reject.")
    applied: CompressResult | None = Field(None, description="Set when the compression was applied.")
    system_prompt: str | None = Field(None, description="For agent-written summaries: how to write them.")
    next_step: str


class PendingList(BaseModel):
    pending: list[PendingCompression] = Field(description="Oldest first, each with its lost_facts.")


# Hints for clients (e.g. to run read-only tools without asking). Nothing tract does is lost before
# gc: even reset and compression keep the old commits in the store.
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
ADDS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
MOVES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                        open_world_hint=False)
REMOVES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
SUMMARIZES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)

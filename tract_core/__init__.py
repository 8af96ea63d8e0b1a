"""tract: version control for an LLM agent's context window."""

from tract_core.errors import *  # noqa: F403 - the exception module is public API
from tract_core.errors import TractError
from tract_core.models import (Artifact, BranchInfo, CommitInfo, CompiledContext, Dialogue, DiffResult,
                               Freeform, Instruction, Message, MergeResult, Operation, Output, Priority,
                               Reasoning, Status, ToolCall, ToolIO)
from tract_core.compression import (AnthropicSummarizer, CallableSummarizer, ManualSummarizer,
                                    Summarizer)
from tract_core.models.audit import GCResult, OperationEvent, ReorderWarning
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.models.compiled import DroppedCommit, Omission
from tract_core.tokens import TiktokenCounter, TokenCounter
from tract_core.tract import Tract
from tract_core.session import Session, Task
from tract_core.models.teams import Approval, AuditEvent, SessionInfo, TaskInfo
from tract_core.operations.actors import acting_as
from tract_core.models.content import Settings, Tools, ToolSpec

__all__ = [
    "AnthropicSummarizer", "CallableSummarizer", "CompressResult", "GCResult", "ManualSummarizer",
    "OperationEvent", "PendingCompression", "ReorderWarning", "Summarizer",
    "Artifact", "BranchInfo", "CommitInfo", "CompiledContext", "Dialogue", "DiffResult", "Freeform",
    "Instruction", "Message", "MergeResult", "Operation", "Output", "Priority", "Reasoning", "Status",
    "TiktokenCounter", "TokenCounter", "ToolCall", "ToolIO", "Tract", "TractError",
    "Approval", "AuditEvent", "Session", "SessionInfo", "Task", "TaskInfo", "acting_as",
    "DroppedCommit", "Omission",
    "Settings", "Tools", "ToolSpec",
]

from tract_core.models.check import CheckProblem, CheckReport  # noqa: E402 - what Tract.check() returns

__all__ += ["CheckProblem", "CheckReport"]

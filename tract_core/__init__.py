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
from tract_core.models.ids import short_id
from tract_core.models.commit import BranchHead, SearchHit, TractSummary
from tract_core.models.teams import Approval, AuditEvent, SessionInfo, TaskInfo
from tract_core.models.content import Settings, Tools, ToolSpec

__all__ = [
    "AnthropicSummarizer", "CallableSummarizer", "CompressResult", "GCResult", "ManualSummarizer",
    "OperationEvent", "PendingCompression", "ReorderWarning", "Summarizer",
    "Artifact", "BranchInfo", "CommitInfo", "CompiledContext", "Dialogue", "DiffResult", "Freeform",
    "Instruction", "Message", "MergeResult", "Operation", "Output", "Priority", "Reasoning", "Status",
    "TiktokenCounter", "TokenCounter", "ToolCall", "ToolIO", "Tract", "TractError",
    "BranchHead", "SearchHit", "TractSummary", "list_tracts", "short_id",
    "Approval", "AuditEvent", "Session", "SessionInfo", "Task", "TaskInfo", "acting_as",
    "DroppedCommit", "Omission",
    "Settings", "Tools", "ToolSpec",
]

from tract_core.models.check import CheckProblem, CheckReport  # noqa: E402 - what Tract.check() returns

__all__ += ["CheckProblem", "CheckReport"]


# The facade and what touches the store load on first use (`from tract_core import Tract` works as
# ever): importing the models, errors and counters stays free of SQLAlchemy, so the MCP server
# answers `initialize` while the store opens.
_LAZY = {"Tract": "tract_core.tract", "list_tracts": "tract_core.operations.tracts",
         "Session": "tract_core.session", "Task": "tract_core.session",
         "acting_as": "tract_core.operations.actors"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tract_core' has no attribute {name!r}")

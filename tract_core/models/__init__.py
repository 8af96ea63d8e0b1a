"""Pydantic values, no I/O."""

from tract_core.models.audit import GCResult, OperationEvent, ReorderWarning
from tract_core.models.commit import (BranchInfo, CommitInfo, DiffResult, EditedEntry, MergeConflict,
                                      MergeResult, Status)
from tract_core.models.compiled import CompiledContext, Message, ToolCall
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.models.content import (Artifact, Dialogue, Freeform, Instruction, Output, Reasoning,
                                       Settings, ToolIO, Tools, ToolSpec)
from tract_core.models.enums import Operation, Priority
from tract_core.models.registry import ContentRegistry, StoredContent, canonical_json

__all__ = [
    "CompressResult", "GCResult", "OperationEvent", "PendingCompression", "ReorderWarning",
    "Artifact", "BranchInfo", "CommitInfo", "CompiledContext", "ContentRegistry", "DiffResult",
    "Dialogue", "EditedEntry", "Freeform", "Instruction", "Message", "MergeConflict", "MergeResult",
    "Operation", "Output", "Priority", "Reasoning", "Status", "StoredContent", "ToolCall", "ToolIO",
    "canonical_json", "Settings", "Tools", "ToolSpec",
]

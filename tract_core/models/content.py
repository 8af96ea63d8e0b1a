"""The content an agent commits: seven built-in kinds, a discriminated union on `content_type`."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from tract_core.models.json_object import JsonObject


class ContentBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Instruction(ContentBase):
    """A system-level instruction (rendered as the system prompt)."""

    content_type: Literal["instruction"] = "instruction"
    text: str


class Dialogue(ContentBase):
    """A user or assistant turn."""

    content_type: Literal["dialogue"] = "dialogue"
    role: Literal["user", "assistant"]
    text: str


class ToolIO(ContentBase):
    """One side of a tool call: the call (with arguments) or its result."""

    content_type: Literal["tool_io"] = "tool_io"
    tool_name: str
    call_id: str = Field(min_length=1)
    direction: Literal["call", "result"]
    arguments: JsonObject | None = None
    result: Any = None
    is_error: bool = False


class Reasoning(ContentBase):
    """The agent's own reasoning."""

    content_type: Literal["reasoning"] = "reasoning"
    text: str


class Artifact(ContentBase):
    """A named document the agent made or received."""

    content_type: Literal["artifact"] = "artifact"
    name: str
    mime_type: str = "text/plain"
    text: str


class Output(ContentBase):
    """A final output of the agent."""

    content_type: Literal["output"] = "output"
    text: str


class Freeform(ContentBase):
    """Anything else, as a JSON object."""

    content_type: Literal["freeform"] = "freeform"
    payload: JsonObject


BuiltinContent = Annotated[
    Union[Instruction, Dialogue, ToolIO, Reasoning, Artifact, Output, Freeform],
    Field(discriminator="content_type"),
]

BUILTIN_TYPES: dict[str, type[BaseModel]] = {
    m.model_fields["content_type"].default: m
    for m in (Instruction, Dialogue, ToolIO, Reasoning, Artifact, Output, Freeform)
}

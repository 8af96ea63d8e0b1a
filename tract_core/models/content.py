"""The content an agent commits: nine built-in kinds, a discriminated union on `content_type`.

Seven become turns of the conversation; `tools` and `settings` describe the request itself (the tool
definitions and generation settings the model was called with): compile carries the latest of each
on the branch into `CompiledContext.tools` / `.settings`, not into the messages.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator


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
    arguments: dict[str, Any] | None = None
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
    payload: dict[str, Any]


class ToolSpec(ContentBase):
    """One tool the model may call: its name, what it does, and a JSON schema of its arguments."""

    name: str = Field(min_length=1, max_length=128, pattern=r"^[a-zA-Z0-9_-]+$")
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})

    @field_validator("input_schema")
    @classmethod
    def _object_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        import jsonschema  # only when tools are committed

        if schema.get("type") != "object":
            raise ValueError('a tool\'s input_schema must be a JSON schema of "type": "object"')
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as err:
            raise ValueError(f"input_schema is not a valid JSON schema: {err.message}") from None
        return schema


class Tools(ContentBase):
    """The tool definitions sent with the request from here on (replaces the previous `tools`)."""

    content_type: Literal["tools"] = "tools"
    tools: list[ToolSpec]


class Settings(ContentBase):
    """Generation settings sent with the request from here on (replaces the previous `settings`);
    unset fields are left out of the request."""

    content_type: Literal["settings"] = "settings"
    model: str | None = Field(None, min_length=1)
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1)
    top_p: float | None = Field(None, ge=0, le=1)
    stop: list[str] | None = None


BuiltinContent = Annotated[
    Union[Instruction, Dialogue, ToolIO, Reasoning, Artifact, Output, Freeform, Tools, Settings],
    Field(discriminator="content_type"),
]

BUILTIN_TYPES: dict[str, type[BaseModel]] = {
    m.model_fields["content_type"].default: m
    for m in (Instruction, Dialogue, ToolIO, Reasoning, Artifact, Output, Freeform, Tools, Settings)
}

# kinds that describe the request rather than add a turn to it
REQUEST_KINDS = frozenset({"tools", "settings"})

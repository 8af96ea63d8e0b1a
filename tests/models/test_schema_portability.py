"""Free-form JSON fields (tool_io.arguments, freeform.payload, commit metadata) stay usable after a
strict JSON-schema transform, as pydantic-ai applies OpenAI's strict mode to tool parameters."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import TypeAdapter, ValidationError

from tract_core import InvalidOperationError
from tract_core.models.commit import CommitInfo
from tract_core.models.content import BuiltinContent, Freeform, ToolIO

DROPPED = ("title", "$schema", "discriminator", "default")
MOVED_TO_DESCRIPTION = ("minLength", "maxLength", "patternProperties", "propertyNames", "minProperties",
                        "maxProperties", "uniqueItems")


def strict(schema):
    """OpenAI strict mode as pydantic-ai's OpenAIJsonSchemaTransformer(strict=True) documents it: drop
    title/default/discriminator, move unsupported keywords into the description, oneOf → anyOf, every
    object closed (`additionalProperties: false`) with all its properties required."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    s = {k: strict(v) if k in ("items", "anyOf", "oneOf", "allOf", "not") else v
         for k, v in schema.items() if k not in DROPPED}
    if "properties" in s:
        s["properties"] = {k: strict(v) for k, v in s["properties"].items()}
    if "$defs" in s:
        s["$defs"] = {k: strict(v) for k, v in s["$defs"].items()}
    notes = [f"{k}={s.pop(k)}" for k in MOVED_TO_DESCRIPTION if k in s]
    if notes:
        joined = ", ".join(notes)
        s["description"] = f"{s['description']} ({joined})" if "description" in s else joined
    if "oneOf" in s:
        s["anyOf"] = s.pop("oneOf")
    if s.get("type") == "object":
        s.setdefault("properties", {})
        s["additionalProperties"] = False
        s["required"] = list(s["properties"])
    return s


def _alternatives(field_schema):
    """The concrete schemas a value may match (anyOf flattened)."""
    if "anyOf" in field_schema:
        return [a for alt in field_schema["anyOf"] for a in _alternatives(alt)]
    return [field_schema]


def _usable_for_any_object(field_schema) -> bool:
    """Can a client bound by this schema send an arbitrary object, e.g. {"path": "a.py", "n": 2}?"""
    for alt in _alternatives(field_schema):
        if alt.get("type") == "string":
            return True  # as JSON text
        if alt.get("type") == "object" and alt.get("additionalProperties", True) is not False:
            return True
    return False


@pytest.mark.parametrize("model, field", [(ToolIO, "arguments"), (Freeform, "payload"),
                                          (CommitInfo, "metadata")])
def test_free_form_objects_survive_the_strict_transform(model, field):
    transformed = strict(copy.deepcopy(model.model_json_schema()))
    assert _usable_for_any_object(transformed["properties"][field]), transformed["properties"][field]


def test_the_transform_really_closes_a_bare_dict():
    """The check above can fail: a bare dict[str, Any] comes out as an object that must be empty."""
    bare = strict(TypeAdapter(dict[str, object]).json_schema())
    assert bare == {"type": "object", "additionalProperties": False, "properties": {}, "required": []}
    assert not _usable_for_any_object(bare)


def test_json_text_is_stored_as_the_same_object_with_the_same_hash(mem):
    args = {"path": "a.py", "n": 2, "deep": {"x": [1, 2]}}
    as_dict = mem.tool_call("read", args, "c1")
    as_text = mem.commit({"content_type": "tool_io", "tool_name": "read", "call_id": "c1",
                          "direction": "call", "arguments": json.dumps(args)})
    assert as_text.content.arguments == args and as_text.content_hash == as_dict.content_hash
    payload = mem.commit({"content_type": "freeform", "payload": '{"k": [1, "v"]}'})
    assert payload.content.payload == {"k": [1, "v"]}
    meta = mem.user("hi", metadata='{"source": "slack"}')
    assert mem.show(meta.hash).metadata == {"source": "slack"}


def test_json_text_that_is_not_an_object_is_refused(mem):
    adapter = TypeAdapter(BuiltinContent)
    for bad in ("[1, 2]", "not json", "3"):
        with pytest.raises(ValidationError):
            adapter.validate_python({"content_type": "freeform", "payload": bad})
        with pytest.raises(InvalidOperationError):
            mem.user("x", metadata=bad)


def test_pydantic_ai_agrees_when_installed():
    pai = pytest.importorskip("pydantic_ai.profiles.openai")
    for model, field in ((ToolIO, "arguments"), (Freeform, "payload"), (CommitInfo, "metadata")):
        out = pai.OpenAIJsonSchemaTransformer(model.model_json_schema(), strict=True).walk()
        assert _usable_for_any_object(out["properties"][field])

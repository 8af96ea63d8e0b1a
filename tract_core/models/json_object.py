"""A JSON object field that survives strict JSON-schema transforms.

OpenAI's strict mode (as pydantic-ai applies it to tool parameters) gives every object
`additionalProperties: false` and makes all its declared properties required: a free-form
`dict[str, Any]`, which declares none, becomes an object that must be empty. So these fields also
accept the object written as JSON text, a string alternative that strict mode leaves usable; the
value is stored as the object either way (the same content, the same hash).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

SCHEMA = {"anyOf": [
    {"type": "object", "additionalProperties": True},
    {"type": "string", "description": "the same object written as JSON text, e.g. '{\"path\": \"a.py\"}'"},
]}


def parse_json_object(value: Any) -> Any:
    """JSON text of an object becomes the object; anything else is left to the dict check."""
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        raise ValueError("expected a JSON object, or JSON text of one (e.g. '{\"a\": 1}')") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"expected JSON text of an object, got JSON text of a {type(parsed).__name__}")
    return parsed


JsonObject = Annotated[dict[str, Any], BeforeValidator(parse_json_object),
                       WithJsonSchema(SCHEMA, mode="validation")]

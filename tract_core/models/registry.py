"""Which content kinds a tract knows: the built-in seven plus the ones it registered.

A registered kind is remembered by its JSON schema, so a reopened tract validates it even when the
Python class is not registered again in that process.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from tract_core.errors import ContentValidationError, UnknownContentTypeError
from tract_core.models.content import BUILTIN_TYPES, BuiltinContent

_builtin_adapter: TypeAdapter = TypeAdapter(BuiltinContent)


class StoredContent(BaseModel):
    """Content of a registered kind whose Python class is not known in this process."""

    model_config = ConfigDict(extra="allow", frozen=True)

    content_type: str


# what json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds per call
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """The one serialisation used for hashing: sorted keys, no spaces, UTF-8 kept."""
    return _canonical.encode(value)


def _first_error(err: ValidationError) -> tuple[str, str]:
    first = err.errors()[0]
    loc = [str(p) for p in first["loc"]]
    # drop the union tag pydantic puts first for discriminated unions
    if loc and loc[0] in BUILTIN_TYPES:
        loc = loc[1:]
    field = ".".join(loc) or "content"
    return field, first["msg"]


class ContentRegistry:
    def __init__(self) -> None:
        self._models: dict[str, type[BaseModel]] = {}
        self._schemas: dict[str, dict[str, Any]] = {}

    def known(self, name: str) -> bool:
        return name in BUILTIN_TYPES or name in self._models or name in self._schemas

    def add_model(self, name: str, model: type[BaseModel]) -> dict[str, Any]:
        """Register a pydantic model for `name`; return the schema to persist."""
        schema = self.schema_for(name, model)
        self._models[name] = model
        self._schemas[name] = schema
        return schema

    def schema_for(self, name: str, model: type[BaseModel]) -> dict[str, Any]:
        """Check that `model` can be registered as `name`; return its JSON schema."""
        if not isinstance(name, str) or not name.strip() or len(name) > 255 or "\x00" in name:
            raise ContentValidationError("a content type name must be a non-empty string of at most "
                                         "255 characters (no NUL)", field="content_type")
        if name in BUILTIN_TYPES:
            raise ContentValidationError(f"{name!r} is a built-in content type; pick another name",
                                         field="content_type")
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise ContentValidationError("register_content_type needs a pydantic BaseModel subclass")
        field = model.model_fields.get("content_type")
        if field is None or get_args(field.annotation) != (name,):
            raise ContentValidationError(
                f"model {model.__name__} must declare `content_type: Literal[{name!r}]`",
                field="content_type")
        return model.model_json_schema()

    def add_schema(self, name: str, schema: dict[str, Any]) -> None:
        self._schemas.setdefault(name, schema)

    def validate(self, content: Any) -> BaseModel:
        """Turn a content model or a plain dict into a validated content model."""
        if isinstance(content, BaseModel):
            content = content.model_dump(mode="json")
        if not isinstance(content, dict):
            raise ContentValidationError(
                f"content must be an object with a `content_type`, got {type(content).__name__}",
                field="content")
        name = content.get("content_type")
        if not isinstance(name, str):
            raise ContentValidationError("content needs a `content_type` string", field="content_type")
        try:
            if name in BUILTIN_TYPES:
                return _builtin_adapter.validate_python(content)
            if name in self._models:
                return self._models[name].model_validate(content)
        except ValidationError as err:
            field, msg = _first_error(err)
            raise ContentValidationError(f"invalid {name} content: field {field!r}: {msg}",
                                         field=field) from None
        if name in self._schemas:
            import jsonschema  # only registered kinds need it (start-up time)

            try:
                jsonschema.validate(content, self._schemas[name])
            except jsonschema.ValidationError as err:
                field = ".".join(str(p) for p in err.absolute_path) or "content"
                raise ContentValidationError(f"invalid {name} content: field {field!r}: {err.message}",
                                             field=field) from None
            return StoredContent.model_validate(content)
        known = ", ".join(sorted([*BUILTIN_TYPES, *self._schemas]))
        raise UnknownContentTypeError(
            f"unknown content_type {name!r}; known: {known} (register_content_type adds one)",
            field="content_type")

    def load(self, data: dict[str, Any]) -> BaseModel:
        """Rebuild content read from the store (already valid when written)."""
        name = data["content_type"]
        if name in BUILTIN_TYPES:
            return _builtin_adapter.validate_python(data)
        if name in self._models:
            return self._models[name].model_validate(data)
        return StoredContent.model_validate(data)

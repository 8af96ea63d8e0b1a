"""Content addressing: a blob is named by its canonical JSON, a commit by everything it says."""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring as _string  # a JSON string, as canonical_json writes it
from typing import Any

from tract_core.models.registry import canonical_json


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_body(content_dict: dict[str, Any]) -> tuple[str, str]:
    """(canonical JSON body, its hash)."""
    body = canonical_json(content_dict)
    return body, sha256_hex(body)


def commit_hash(*, tract_id: str, content_hash: str | None, parents: list[str], operation: str,
                edit_target: str | None, message: str | None, metadata: dict | None,
                created_us: int) -> str:
    return sha256_hex(commit_json(tract_id=tract_id, content_hash=content_hash, parents=parents,
                                  operation=operation, edit_target=edit_target, message=message,
                                  metadata=metadata, created_us=created_us))


def commit_json(*, tract_id: str, content_hash: str | None, parents: list[str], operation: str,
                edit_target: str | None, message: str | None, metadata: dict | None,
                created_us: int) -> str:
    """The canonical JSON a commit's hash is taken of: `canonical_json` of its fields, written out
    in their sorted order (the same text, tested, without sorting a dict on every commit)."""
    if type(created_us) is not int or not all(type(p) is str for p in parents):
        return canonical_json({
            "tract": tract_id, "content": content_hash, "parents": parents, "operation": operation,
            "edit_target": edit_target, "message": message, "metadata": metadata or {},
            "created_us": created_us,
        })
    return (f'{{"content":{_text(content_hash)},"created_us":{created_us},"edit_target":{_text(edit_target)},'
            f'"message":{_text(message)},"metadata":{canonical_json(metadata) if metadata else "{}"},'
            f'"operation":{_text(operation)},"parents":[{",".join(map(_string, parents))}],'
            f'"tract":{_text(tract_id)}}}')


def _text(value: str | None) -> str:
    return "null" if value is None else _string(value)

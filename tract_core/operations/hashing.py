"""Content addressing: a blob is named by its canonical JSON, a commit by everything it says."""

from __future__ import annotations

import hashlib
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
    return sha256_hex(canonical_json({
        "tract": tract_id, "content": content_hash, "parents": parents, "operation": operation,
        "edit_target": edit_target, "message": message, "metadata": metadata or {},
        "created_us": created_us,
    }))

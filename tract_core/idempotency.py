"""Idempotent writes: a call retried with the same key returns the first call's result and writes
nothing more. Keys live in the store (so they survive restarts) for 24 hours.

The key is reserved before the write and completed after it, so a concurrent retry sees "in
progress" instead of writing twice; a reservation whose call died is taken over after `stale_after`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tract_core.errors import IdempotencyKeyError
from tract_core.models.registry import canonical_json
from tract_core.operations.committing import check_text
from tract_core.storage import Store, now_us
from tract_core.storage.idempotency import delete_key, get_key, purge_keys, reserve_key, update_key

KEY_TTL = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=10)


def _us(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1e6)


def fingerprint(request: Any) -> str:
    """A stable hash of a call's arguments, to refuse a key reused for a different call."""
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


class IdempotencyKeys:
    """Run each (tract, key) write once; replay its result for retries within `ttl`."""

    def __init__(self, store: Store, ttl: timedelta = KEY_TTL, stale_after: timedelta = STALE_AFTER) -> None:
        self.store = store
        self.ttl = ttl
        self.stale_after = stale_after

    def run(self, tract_id: str, key: str, tool: str, request: Any,
            call: Callable[[], str]) -> tuple[str, bool]:
        """Return `call()`'s result (a string, e.g. JSON) and False, or the stored one and True."""
        if not isinstance(key, str) or not key.strip() or len(key) > 255:
            raise IdempotencyKeyError("idempotency_key must be a non-empty string of at most 255 characters")
        check_text(key, "idempotency_key", IdempotencyKeyError)  # no NUL, no lone surrogate
        request_hash = fingerprint(request)
        replayed = self._reserve(tract_id, key, tool, request_hash)
        if replayed is not None:
            return replayed, True
        try:
            result = call()
        except BaseException:
            with self.store.write() as tx:
                delete_key(tx, tract_id, key)
            raise
        with self.store.write() as tx:
            update_key(tx, tract_id, key, json.dumps({"request": request_hash, "result": result}))
        return result, False

    def _reserve(self, tract_id: str, key: str, tool: str, request_hash: str) -> str | None:
        pending = json.dumps({"request": request_hash, "pending": True})
        now = now_us()
        with self.store.write() as tx:
            purge_keys(tx, now - _us(self.ttl))
            if reserve_key(tx, tract_id, key, tool, pending, now):
                return None
            row = get_key(tx, tract_id, key)
            stored = json.loads(row.result)
            if row.tool != tool or stored["request"] != request_hash:
                raise IdempotencyKeyError(
                    f"idempotency key {key!r} was used for a different call ({row.tool}); "
                    "use a new key for a new call")
            if "result" in stored:
                return stored["result"]
            if now - row.created_us < _us(self.stale_after):
                raise IdempotencyKeyError(
                    f"a call with idempotency key {key!r} is still running; retry it in a moment")
            update_key(tx, tract_id, key, pending, now)  # the first call died: take its place
            return None

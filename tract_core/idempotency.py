"""Idempotent writes: a call retried with the same key returns the first call's result and writes
nothing more. Keys live in the store (so they survive restarts) for 24 hours.

The key, the call's writes and its answer commit in one transaction (`Store.one_transaction`): a
retry after a crash finds either the answer, or nothing written at all. A retry racing the first
call waits for it (the key's row is locked until that transaction ends) and gets its answer.
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
from tract_core.storage import Store, Txn, now_us
from tract_core.storage.idempotency import KeyRow, get_key, purge_keys, reserve_key, update_key

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
        with self.store.read() as tx:  # answered already: replay without running the call at all
            row = get_key(tx, tract_id, key)
        if row is not None and row.created_us >= now_us() - _us(self.ttl):
            stored = self._stored(row, key, tool, request_hash)
            if "result" in stored:
                return stored["result"], True
        try:
            with self.store.one_transaction(lambda tx: self._claim(tx, tract_id, key, tool, request_hash)):
                result = call()
                with self.store.write() as tx:  # joins the call's transaction (or opens it)
                    update_key(tx, tract_id, key, json.dumps({"request": request_hash, "result": result}))
        except _Answered as answered:  # a concurrent call with this key committed first
            return answered.result, True
        return result, False

    @staticmethod
    def _stored(row: KeyRow, key: str, tool: str, request_hash: str) -> dict:
        stored = json.loads(row.result)
        if row.tool != tool or stored["request"] != request_hash:
            raise IdempotencyKeyError(
                f"idempotency key {key!r} was used for a different call ({row.tool}); "
                "use a new key for a new call")
        return stored

    def _claim(self, tx: Txn, tract_id: str, key: str, tool: str, request_hash: str) -> None:
        """The first step of the call's transaction: insert the key, or raise _Answered with the
        answer a call with the same key committed meanwhile."""
        pending = json.dumps({"request": request_hash, "pending": True})
        now = now_us()
        purge_keys(tx, now - _us(self.ttl))
        if reserve_key(tx, tract_id, key, tool, pending, now):
            return
        row = get_key(tx, tract_id, key)
        stored = self._stored(row, key, tool, request_hash)
        if "result" in stored:
            raise _Answered(stored["result"])
        # a reservation committed on its own: left by a version of tract that reserved keys in a
        # transaction of their own; its call may still be running there, or have died
        if now - row.created_us < _us(self.stale_after):
            raise IdempotencyKeyError(
                f"a call with idempotency key {key!r} is still running; retry it in a moment")
        update_key(tx, tract_id, key, pending, now)  # the first call died: take its place


class _Answered(BaseException):
    """Raised from inside the call (at its first write) to abandon it: the key has its answer.
    A BaseException, so that no operation mistakes it for one of its own errors and retries."""

    def __init__(self, result: str) -> None:
        super().__init__("answered already")
        self.result = result

"""The time teams of agents read (task leases, idempotency keys, session retention): the wall clock
plus an offset a test may move, so expiry is tested without sleeping for days."""

from __future__ import annotations

import time

_offset_us = 0


def now_us() -> int:
    return time.time_ns() // 1000 + _offset_us


def advance(seconds: float) -> None:
    """Move this process's clock forward by `seconds` (tests)."""
    global _offset_us
    _offset_us += int(seconds * 1e6)


def reset() -> None:
    global _offset_us
    _offset_us = 0

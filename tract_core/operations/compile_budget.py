"""How many compiled turns a process keeps in memory, across all its tracts.

Each `Compiler` caches the state and output of the heads it compiled (about 1–2 KB a turn), so a
server with dozens of long tracts open would hold them all. Compilers report the turns they hold
after each compile; past the budget, the least recently used ones drop their caches (their next
compile starts again from a compile snapshot and the commits since). The tract compiling now is
never the one dropped, so one long agent loop keeps its incremental path whatever the budget.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from typing import Protocol

# about 250 MB of cached turns; $TRACT_COMPILE_CACHE_TURNS sets another budget
DEFAULT_TURNS = 150_000


class Cache(Protocol):
    def clear(self) -> None: ...


def budget() -> int:
    try:
        return max(0, int(os.environ.get("TRACT_COMPILE_CACHE_TURNS", DEFAULT_TURNS)))
    except ValueError:
        return DEFAULT_TURNS


_lock = threading.Lock()
_held: OrderedDict[int, tuple[weakref.ref, int]] = OrderedDict()  # id -> (cache, turns), oldest use first
_total = 0


def _forget(key: int) -> None:
    global _total
    with _lock:
        found = _held.pop(key, None)
        if found is not None:
            _total -= found[1]


def used(cache: Cache, turns: int) -> None:
    """`cache` was just used and holds about `turns` turns: drop the least recently used others'
    caches while all of them hold more than the budget."""
    global _total
    key = id(cache)
    victims = []
    with _lock:
        found = _held.pop(key, None)
        if found is not None:
            ref, _total = found[0], _total - found[1]
        else:
            ref = weakref.ref(cache, lambda _, k=key: _forget(k))
        _held[key] = (ref, turns)
        _total += turns
        limit = budget()
        while _total > limit and len(_held) > 1:
            other = next(iter(_held))
            other_ref, t = _held.pop(other)
            _total -= t
            victims.append(other_ref())
    for victim in victims:
        if victim is not None:
            victim.clear()


def held_turns() -> int:
    return _total

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
# caches garbage-collected since: a weakref callback can run inside `used` itself (any allocation
# may start a collection), so it only notes the key; `used` forgets it under the lock
_dead: list[int] = []


def used(cache: Cache, turns: int) -> None:
    """`cache` was just used and holds about `turns` turns: drop the least recently used others'
    caches while all of them hold more than the budget."""
    global _total
    key = id(cache)
    victims = []
    with _lock:
        while _dead:
            gone = _held.pop(_dead.pop(), None)
            _total -= gone[1] if gone is not None else 0
        found = _held.pop(key, None)
        if found is not None and found[0]() is cache:
            ref, _total = found[0], _total - found[1]
        else:  # new (or a dead cache's id reused before its callback ran)
            _total -= found[1] if found is not None else 0
            ref = weakref.ref(cache, lambda _, k=key: _dead.append(k))
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

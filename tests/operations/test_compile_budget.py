"""A process keeps a bounded number of compiled turns in memory, across all its tracts."""

from __future__ import annotations

from tract_core import Tract
from tract_core.operations import compile_budget


def _tract(store, name: str, turns: int) -> Tract:
    t = Tract(store, name)
    t.system("be brief")
    for i in range(turns):
        t.user(f"{name} question {i}")
    return t


def test_past_the_budget_the_least_recently_compiled_tracts_drop_their_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACT_COMPILE_CACHE_TURNS", "25")
    first = Tract.open(str(tmp_path / "s.db"), "first")
    store = first.store
    first.system("be brief")
    for i in range(10):
        first.user(f"first question {i}")
    second, third = _tract(store, "second", 10), _tract(store, "third", 10)
    expected = first.compile()
    second.compile()
    assert first._compiler.outputs  # 11 + 11 turns: within the budget
    third.compile()
    assert not first._compiler.outputs and not first._compiler.states  # the oldest use dropped
    assert second._compiler.outputs and third._compiler.outputs
    assert first.compile() == expected  # rebuilt, the same
    assert compile_budget.held_turns() <= 25 + 11
    first.close()


def test_the_tract_compiling_keeps_its_cache_even_over_the_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACT_COMPILE_CACHE_TURNS", "5")
    t = Tract.open(str(tmp_path / "s.db"))
    t.system("be brief")
    for i in range(20):
        t.user(f"question {i}")
        assert len(t.compile().messages) == i + 2
        assert t._compiler.outputs
    t.close()


def test_a_tract_collected_while_the_budget_is_held_does_not_deadlock(tmp_path):
    """The collector can free a compiler inside `used` itself (any allocation may start a
    collection): its weakref callback must not wait for the budget's lock."""
    import gc
    import threading

    t = _tract(Tract.open(str(tmp_path / "s.db")).store, "gone", 3)
    t.compile()
    before = compile_budget.held_turns()

    def collect_under_the_lock():
        nonlocal t
        with compile_budget._lock:
            del t
            gc.collect()

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    assert compile_budget._dead  # it was collected, and noted for the next `used`
    other = _tract(Tract.open(str(tmp_path / "o.db")).store, "other", 2)
    other.compile()
    assert compile_budget.held_turns() <= before - 4 + 3 + 3  # the collected one is forgotten

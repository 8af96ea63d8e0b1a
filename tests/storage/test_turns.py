"""The tract's turn lock: re-entrant, and let go entirely (however deep) while a write waits."""

from __future__ import annotations

import threading

from tract_core.storage import turns


def taken_elsewhere(lock: turns.TurnLock) -> bool:
    got = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(blocking=False) and (lock.release() or True)))
    t.start()
    t.join()
    return got[0]


def test_let_go_frees_the_lock_for_others_and_takes_it_back_as_deep_as_it_was():
    lock = turns.TurnLock()
    with lock, lock:
        assert turns.held() is lock
        assert not taken_elsewhere(lock)
        with lock.let_go():
            assert taken_elsewhere(lock)
        assert not taken_elsewhere(lock)
    assert turns.held() is None
    assert taken_elsewhere(lock)

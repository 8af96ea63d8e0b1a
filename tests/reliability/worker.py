"""A process for the reliability tests: one role, run until told to stop, reporting as it goes.

    python -m tests.reliability.worker ROLE URL [ARG]

Prints {"ready": true} once its tract is open, then one JSON line per finished step, flushed at
once, so a test that kills the process with SIGKILL still knows every step that was reported done:
    {"done": "<commit hash>"}        a commit the caller was told is written
    {"answer": "<json>"}             an idempotent call's answer
    {"error": "<type>: <message>"}   an exception that is not a typed TractError (the test fails)
    {"final": <compiled messages>}   the compile role's last compile, made after STOP appears
With TRACT_TEST_GO set, a worker waits for that file to exist before it begins its role.
Roles stop when the file named by the environment variable TRACT_TEST_STOP exists, or after their count.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import WordCounter
from tract_core import Tract, TractError


def say(**line) -> None:
    print(json.dumps(line), flush=True)


def stopped() -> bool:
    stop = os.environ.get("TRACT_TEST_STOP")
    return bool(stop) and Path(stop).exists()


def kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def commit(t: Tract, count: str) -> None:
    """Commit turns on the current branch; report each once it returned."""
    label = os.environ.get("TRACT_TEST_LABEL", "w")
    for i in range(int(count)):
        if stopped():
            return
        say(done=t.user(f"{label} turn {i}").hash)


def gc(t: Tract, count: str = "1000000") -> None:
    """Collect garbage with no retention, over and over."""
    for _ in range(int(count)):
        if stopped():
            return
        try:
            t.gc(orphan_retention_days=0)
        except TractError:
            pass  # a typed refusal (a conflicting writer) is fine; a lost commit is not
        say(gc=True)


def annotate(t: Tract, seed: str) -> None:
    """Set random priorities on random turns of main; slow commits when TRACT_TEST_SLOW is set, so
    an annotation's id is allocated well before it becomes visible."""
    if os.environ.get("TRACT_TEST_SLOW"):
        _slow_annotation_commits()
    rng = random.Random(seed)
    hashes = [c.hash for c in t.log()]
    while not stopped():
        t.annotate(rng.choice(hashes), rng.choice(["normal", "pinned", "skip"]))
        say(annotated=True)


def _slow_annotation_commits() -> None:
    from tract_core.storage.store import Txn

    add = Txn.add_annotation

    def slow(self, *args, **kw):
        new_id = add(self, *args, **kw)
        time.sleep(random.uniform(0, 0.02))
        return new_id

    Txn.add_annotation = slow


def compile_loop(t: Tract, _: str = "") -> None:
    """Compile over and over in one long-lived tract; after STOP, compile once more and report it."""
    while not stopped():
        t.compile()
        time.sleep(0.002)
    say(final=[m.model_dump(mode="json") for m in t.compile().messages])


def once(t: Tract, where: str) -> None:
    """One idempotent commit through the server's pool, killed at `where`: "in_call" (the commit
    is made, its answer not yet stored), "after" (the call returned: its answer is reported here,
    then the process dies before a server could send it), or "none"."""
    from server.models import Committed
    from server.pool import TractPool

    pool = TractPool(t.store, counter=WordCounter())
    request = {"text": "the one turn"}

    def call() -> Committed:
        made = Committed.of(pool.get(t.tract_id).user("the one turn"))
        if where == "in_call":
            kill_self()
        return made

    answer = pool.once(t.tract_id, "key-1", "commit", request, Committed, call)
    say(answer=answer.model_dump_json())
    if where == "after":
        kill_self()


def churn(t: Tract, op: str) -> None:
    """Commit four turns (reported), then one `op` — commit, compress, approve or gc — killed at its
    TRACT_TEST_KILL_AT-th SQL statement, or, if it has fewer, just after it returned."""
    turns = [t.user(f"turn {i} before {op}").hash for i in range(4)]
    for h in turns:
        say(done=h)
    if op == "commit":
        run = lambda: t.user(f"the turn {op} was killed in")  # noqa: E731
    elif op == "compress":
        run = lambda: t.compress(from_commit=turns[1], to_commit=turns[2], mode="manual",  # noqa: E731
                                 content="a summary")
    elif op == "approve":
        pending = t.compress(from_commit=turns[1], to_commit=turns[2], deferred=True)
        run = lambda: t.approve_compression(pending.id, summaries=["a summary"])  # noqa: E731
    else:
        t.branch("scratch", switch=True)
        t.user("garbage")
        t.switch("main")
        t.delete_branch("scratch", force=True)
        run = lambda: t.gc(orphan_retention_days=0)  # noqa: E731
    with killed_at_statement(t, int(os.environ["TRACT_TEST_KILL_AT"])):
        run()
    kill_self()


@contextmanager
def killed_at_statement(t: Tract, n: int):
    from sqlalchemy import event

    count = 0

    def before(*_):
        nonlocal count
        count += 1
        if count == n:
            kill_self()

    event.listen(t.store.engine, "before_cursor_execute", before)
    yield


ROLES = {"commit": commit, "gc": gc, "annotate": annotate, "compile": compile_loop, "once": once,
         "churn": churn}


def main() -> None:
    role, url, arg = sys.argv[1], sys.argv[2], (sys.argv[3:] or [""])[0]
    try:
        with Tract.open(url, counter=WordCounter()) as t:
            say(ready=True)
            go = os.environ.get("TRACT_TEST_GO")
            while go and not Path(go).exists():
                time.sleep(0.005)  # so that workers started one by one begin together
            ROLES[role](t, arg) if arg else ROLES[role](t)
    except Exception as err:  # reported to the test, which fails with it
        say(error=f"{type(err).__name__}: {err}\n{traceback.format_exc()}")


if __name__ == "__main__":
    main()

"""Running worker processes (tests/reliability/worker.py) and checking a store after them: every
commit a worker reported done is present and reachable, status works, and the compile equals a
compile from scratch (a fresh tract with no cache and no compile snapshots)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.operations.refs import RefView
from tract_core.storage import Store

ROOT = Path(__file__).parents[2]


@dataclass
class Worker:
    proc: subprocess.Popen
    lines: list[dict] = field(default_factory=list)

    def read_all(self, timeout: float = 120) -> list[dict]:
        """Wait for the process to end; collect its report lines (a killed one's too)."""
        # not communicate(timeout=…): it reads the pipe's descriptor, losing the lines that an
        # earlier readline() (wait_ready, wait_for) pulled into the file object's buffer
        timer = threading.Timer(timeout, self.proc.kill)
        timer.start()
        try:
            out = self.proc.stdout.read()
            self.proc.wait()
        finally:
            timer.cancel()
        self.lines += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return self.lines

    def wait_ready(self) -> Worker:
        first = self.proc.stdout.readline()
        if not first.startswith('{"ready"'):
            self.read_all()
            raise AssertionError(f"worker {self.proc.args[3:]} did not start: {first!r} {self.errors()}")
        return self

    def errors(self) -> list[str]:
        return [line["error"] for line in self.lines if "error" in line]

    def done(self) -> list[str]:
        return [line["done"] for line in self.lines if "done" in line]


def start(role: str, url: str, arg: str = "", *, stop: Path | None = None, go: Path | None = None,
          wait: bool = True, **env: str) -> Worker:
    """Start a worker and (with `wait`) wait until its tract is open. It runs its role until the file
    `stop` exists (when given), and begins only once the file `go` exists (when given)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    for name, path in (("TRACT_TEST_STOP", stop), ("TRACT_TEST_GO", go)):
        if path is not None:
            environ[name] = str(path)
    proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.worker", role, url, *([arg] if arg else [])],
                            stdout=subprocess.PIPE, text=True, env=environ, cwd=ROOT)
    worker = Worker(proc)
    return worker.wait_ready() if wait else worker


def start_together(go: Path, *specs: tuple[tuple, dict]) -> list[Worker]:
    """Start workers (each `(args, kwargs)` for `start`) at once, wait until all are ready, then let
    them begin together."""
    workers = [start(*args, go=go, wait=False, **kw) for args, kw in specs]
    for w in workers:
        w.wait_ready()
    go.touch()
    return workers


def wait_for(worker: Worker, count: int, key: str = "done", timeout: float = 60) -> None:
    """Read report lines until `count` of them carry `key` (the worker keeps running)."""
    deadline = time.monotonic() + timeout
    seen = sum(key in line for line in worker.lines)
    while seen < count and time.monotonic() < deadline:
        line = worker.proc.stdout.readline()
        if not line:
            break
        worker.lines.append(json.loads(line))
        seen += key in worker.lines[-1]


def from_scratch(url: str) -> list[dict]:
    """The current branch's compile by a fresh tract that reads every commit anew."""
    with Tract.open(url, counter=WordCounter(), compile_snapshots=False) as t:
        return [m.model_dump(mode="json") for m in t.compile().messages]


def reachable(store: Store, tract_id: str = "default") -> set[str]:
    """Every commit reachable from a ref of the tract."""
    with store.read() as tx:
        tips = {r.commit_hash for r in RefView.read(tx, tract_id).refs.values() if r.commit_hash}
        return set().union(*(tx.ancestor_hashes(h) for h in tips)) if tips else set()


def compressed(store: Store, tract_id: str = "default") -> set[str]:
    """What applied compressions took off their branch and keep for undo: their sources, and the
    history of the branch before them (commits since the range were re-applied as copies)."""
    kept: set[str] = set()
    with store.read() as tx:
        for e in tx.events(tract_id):
            params = json.loads(e.params)
            if e.kind in ("compress", "approve") and params.get("applied"):
                kept.update(json.loads(e.sources))
                kept.update(tx.ancestor_hashes(params["old_head"]) if params.get("old_head") else ())
    return kept


def assert_intact(url: str, done: list[str], *, on_branch: bool = True) -> list[dict]:
    """Every commit in `done` is in the store and reachable: from main (`on_branch`), or else from
    any ref or as the source of a compression. Status and compile work, and the compile equals one
    from scratch. Returns it."""
    with Tract.open(url, counter=WordCounter()) as t:
        with t.store.read() as tx:
            present = set(tx.get_commits(t.tract_id, done))
            main = tx.ancestor_hashes(RefView.read(tx, t.tract_id).branch_head("main") or "")
        missing = [h for h in done if h not in present]
        assert not missing, f"{len(missing)} of {len(done)} commits reported done are gone: {missing[:3]}"
        kept = main if on_branch else reachable(t.store, t.tract_id) | compressed(t.store, t.tract_id)
        unreachable = [h for h in done if h not in kept]
        assert not unreachable, f"{len(unreachable)} commits reported done are unreachable: {unreachable[:3]}"
        t.status()
        compiled = [m.model_dump(mode="json") for m in t.compile().messages]
    assert compiled == from_scratch(url)
    return compiled

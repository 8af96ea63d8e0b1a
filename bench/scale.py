"""Scale benchmark: does a big store slow down one branch? Compile of a 1,000-commit branch in a
store of 1,000,000 commits (many tracts, many branches) vs in a store holding only that branch;
commit latency in both; size on disk.

    python bench/scale.py                    # 1,000,000 commits
    python bench/scale.py --quick            # 50,000 commits, under a minute
    python bench/scale.py --commits 300000   # any size

The stores are built by `build_store` below, a documented bulk generator: it writes real commits
(content-addressed blobs, hashes computed by tract's own `commit_hash`, parents, refs) with
`executemany` through the library's `Store` and table definitions, much faster than one `commit()`
at a time. The target branch is generated identically (same hashes) in both stores; token counts of
the background commits are estimated (len/4) instead of counted, which changes nothing measured.

Compile is measured cold (a new `Tract` each time) two ways: from every commit (snapshots off: the
first compile of a history ever) and from a compile snapshot half a snapshot interval behind the
head (what a new process finds on average: 250 commits for this branch).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from tract_core import Tract  # noqa: E402
from tract_core.operations.compiler import snapshot_interval  # noqa: E402
from tract_core.models.registry import canonical_json  # noqa: E402
from tract_core.operations.hashing import commit_hash, sha256_hex  # noqa: E402
from tract_core.operations.refs import HEAD, branch_ref  # noqa: E402
from tract_core.storage import Store  # noqa: E402
from tract_core.storage import schema as s  # noqa: E402
from tract_core.tokens import TiktokenCounter  # noqa: E402

TARGET_TRACT, TARGET_BRANCH, TARGET_LEN = "target", "feature", 1_000
BEHIND = snapshot_interval(TARGET_LEN) // 2
BATCH = 20_000
T0_US = 1_767_225_600_000_000  # 2026-01-01, so every run generates the same hashes


class Generator:
    """Deterministic chains of dialogue commits, bulk-inserted."""

    def __init__(self, store: Store) -> None:
        self.store = store
        turns = common.Turns(seed=11)
        self.pool = [turns.text("") for _ in range(997)]
        self.counter = TiktokenCounter()
        self.blobs: list[dict] = []
        self.commits: list[dict] = []
        self.parents: list[dict] = []
        self.refs: dict[tuple[str, str], dict] = {}  # written last: a branch's tip moves as it grows
        self.tracts: list[dict] = []
        self.written = 0
        self.clocks = {TARGET_TRACT: T0_US}  # the target's own clock: its hashes never vary
        self.clock = T0_US + 10**9

    def chain(self, tract_id: str, branch: str, start: tuple[str, int] | None, n: int,
              exact_tokens: bool = False, first: int = 0) -> list[str]:
        """`n` commits on `branch`, the first a child of `start` (hash, generation) or a root;
        `first` numbers the first one (to grow a branch in several calls)."""
        parent, gen = start if start else (None, -1)
        hashes = []
        for i in range(first, first + n):
            text = f"[{tract_id}/{branch}/{i}] {self.pool[(i * 7 + len(branch)) % len(self.pool)]}"
            body = canonical_json({"content_type": "dialogue", "role": ("user", "assistant")[i % 2], "text": text})
            chash = sha256_hex(body)
            tokens = self.counter.count(text) if exact_tokens else len(text) // 4
            if tract_id in self.clocks:
                created = self.clocks[tract_id] = self.clocks[tract_id] + 1
            else:
                created = self.clock = self.clock + 1
            parents = [parent] if parent else []
            h = commit_hash(tract_id=tract_id, content_hash=chash, parents=parents, operation="append",
                            edit_target=None, message=None, metadata=None, created_us=created)
            gen += 1
            self.blobs.append({"hash": chash, "content_type": "dialogue", "body": body, "token_count": tokens})
            self.commits.append({"hash": h, "tract_id": tract_id, "operation": "append", "edit_target": None,
                                 "content_hash": chash, "message": None, "meta": None,
                                 "created_us": created, "generation": gen})
            if parent:
                self.parents.append({"child": h, "position": 0, "parent": parent})
            parent = h
            hashes.append(h)
            if len(self.commits) >= BATCH:
                self.flush()
        self.refs[tract_id, branch_ref(branch)] = {"tract_id": tract_id, "name": branch_ref(branch),
                                                   "commit_hash": parent, "symbolic": None}
        return hashes

    def tract(self, tract_id: str, head_branch: str) -> None:
        self.tracts.append({"id": tract_id, "created_us": T0_US})
        self.refs[tract_id, HEAD] = {"tract_id": tract_id, "name": HEAD, "commit_hash": None,
                                     "symbolic": branch_ref(head_branch)}

    def flush(self, last: bool = False) -> None:
        refs = list(self.refs.values()) if last else []
        with self.store.write() as tx:
            for table, rows in ((s.tracts, self.tracts), (s.blobs, self.blobs), (s.commits, self.commits),
                                (s.commit_parents, self.parents), (s.refs, refs)):
                if rows:
                    tx.conn.execute(insert(table), rows)
        self.written += len(self.commits)
        for rows in (self.tracts, self.blobs, self.commits, self.parents):
            rows.clear()


class Target:
    """The measured tract: `main` of 200 commits, and `feature` forked from it, 1,000 commits long;
    grown a piece at a time so that, in the big store, its commits are spread among the others
    (as when many agents write at once)."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        gen.tract(TARGET_TRACT, TARGET_BRANCH)
        main = gen.chain(TARGET_TRACT, "main", None, 200, exact_tokens=True)
        self.tip, self.done = (main[-1], 199), 0

    def grow(self, n: int) -> None:
        n = min(n, TARGET_LEN - 200 - self.done)
        if n > 0:
            h = self.gen.chain(TARGET_TRACT, TARGET_BRANCH, self.tip, n, exact_tokens=True, first=self.done)
            self.tip, self.done = (h[-1], self.tip[1] + n), self.done + n


def build_store(path: str, total: int, progress=print) -> int:
    """A store of about `total` commits: the target tract, plus tracts of 5,000 commits each (a
    `main` of 2,000 and six branches of 500 forked along it), the last one smaller."""
    store = Store(path)
    with store.engine.connect() as conn:  # a bulk load: let SQLite keep its B-trees in memory
        conn.exec_driver_sql("PRAGMA cache_size=-1000000")
    gen = Generator(store)
    target = Target(gen)
    per_tract = max(1, (TARGET_LEN - 200) * 5_000 // max(total, 1) + 1)
    k = 0
    started = time.perf_counter()
    while gen.written + len(gen.commits) + TARGET_LEN - 200 - target.done < total:
        left = total - (gen.written + len(gen.commits))
        tid = f"tract-{k:05d}"
        gen.tract(tid, "main")
        main_len = min(2_000, left)
        main = gen.chain(tid, "main", None, main_len)
        left -= main_len
        for b in range(6):
            if left <= 0:
                break
            at = (b + 1) * main_len // 7
            gen.chain(tid, f"task-{b}", (main[at], at), min(500, left))
            left -= 500
        target.grow(per_tract)
        k += 1
        if k % 40 == 0:
            progress(f"  {gen.written + len(gen.commits):,} commits ({time.perf_counter() - started:.0f} s)")
    target.grow(TARGET_LEN)
    gen.flush(last=True)
    store.close()
    return gen.written


def small_store(path: str) -> None:
    store = Store(path)
    gen = Generator(store)
    Target(gen).grow(TARGET_LEN)
    gen.flush(last=True)
    store.close()


def compile_times(path: str, runs: list[float], snapshots: bool) -> None:
    """One cold compile of the branch: a new process, from every commit or from the snapshot."""
    with Tract.open(path, TARGET_TRACT, compile_snapshots=snapshots) as t:
        t0 = time.perf_counter()
        ctx = t.compile()
        runs.append(time.perf_counter() - t0)
    assert len(ctx.messages) == TARGET_LEN, len(ctx.messages)


def save_snapshot(path: str) -> None:
    """The snapshot a user's compile would have saved, half a snapshot interval behind the head
    (the average case: one is saved every interval)."""
    with Tract.open(path, TARGET_TRACT) as t:
        t.compile(at_commit=t.log(limit=BEHIND + 1)[-1].hash)


def commit_times(path: str, n: int) -> list[float]:
    lat = []
    turns = common.Turns(seed=3)
    with Tract.open(path, TARGET_TRACT) as t:
        for i in range(n):
            text = turns.text(f"[new {i}]")
            t0 = time.perf_counter()
            t.user(text)
            lat.append(time.perf_counter() - t0)
    return lat


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50,000 commits (under a minute)")
    ap.add_argument("--commits", type=int, help="commits in the big store (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=7, help="cold compiles per store (median reported)")
    args = ap.parse_args(argv)
    total = args.commits or (50_000 if args.quick else 1_000_000)
    out(f"# scale benchmark ({common.machine()})")
    work = common.scratch_dir("scale")
    try:
        big, small = str(work / "big.db"), str(work / "small.db")
        t0 = time.perf_counter()
        written = build_store(big, total, out)
        build_s = time.perf_counter() - t0
        out(f"  built {written:,} commits in {build_s:.0f} s")
        small_store(small)
        runs: dict[tuple[str, bool], list[float]] = {(k, snap): [] for k in ("big", "small") for snap in (False, True)}
        for snapshots in (False, True):
            if snapshots:
                save_snapshot(big)
                save_snapshot(small)
            for _ in range(args.runs):  # interleaved, so drifting load hits both alike
                compile_times(big, runs["big", snapshots], snapshots)
                compile_times(small, runs["small", snapshots], snapshots)
        big_size, small_size = common.sqlite_bytes(big), common.sqlite_bytes(small)
        n_commit = 50 if args.quick else 200
        big_commit, small_commit = commit_times(big, n_commit), commit_times(small, n_commit)
    finally:
        common.remove(work)
    med = {key: common.median(values) for key, values in runs.items()}
    rows = [
        ["compile 1,000-commit branch (cold, from every commit)", common.ms(med["big", False]),
         common.ms(med["small", False]), common.ratio(med["big", False], med["small", False])],
        [f"compile 1,000-commit branch (cold, snapshot {BEHIND} back)", common.ms(med["big", True]),
         common.ms(med["small", True]), common.ratio(med["big", True], med["small", True])],
        ["commit p50", common.ms(common.median(big_commit)), common.ms(common.median(small_commit)),
         common.ratio(common.median(big_commit), common.median(small_commit))],
        ["commit p99", common.ms(common.pct(big_commit, 99)), common.ms(common.pct(small_commit, 99)),
         common.ratio(common.pct(big_commit, 99), common.pct(small_commit, 99))],
        ["size on disk (MiB)", f"{big_size / 2**20:,.1f}", f"{small_size / 2**20:,.1f}", ""],
        ["bytes per commit", f"{big_size / written:,.0f}", f"{small_size / TARGET_LEN:,.0f}", ""],
    ]
    out("")
    out(common.table(["measure (SQLite)", f"store of {written:,} commits", "store of the branch only",
                      "ratio"], rows))
    out("")
    for snapshots, what in ((True, "cold, from a snapshot"), (False, "cold, from every commit")):
        r = med["big", snapshots] / med["small", snapshots]
        out(f"ratio ({what}): compile in the big store / in the small store = {r:.2f} (target <= 1.2: "
            f"{'met' if r <= 1.2 else 'MISSED'}); runs: {args.runs} each, interleaved")
    out(f"build: {written:,} commits in {build_s:.0f} s ({written / build_s:,.0f} commits/s)")
    if written < 1_000_000:
        out(f"note: the issue's store has 1,000,000 commits; this run has {written:,}")
    return rows


if __name__ == "__main__":
    main()

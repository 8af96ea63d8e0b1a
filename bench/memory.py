"""Memory benchmark: what a `tract-mcp` serving many long tracts keeps resident.

Builds a store of 100 tracts of 10,000 commits each (dialogue turns of 300-400 characters, bulk
written by bench/scale.py's generator: real commits, hashes and refs), then, in a fresh process,
compiles each tract through the server's own `TractPool` (which keeps the most recently used
tracts open, each with its compile cache) and reads the resident set size after each compile.

    python bench/memory.py            # 100 tracts x 10,000 commits (target: < 500 MB resident)
    python bench/memory.py --quick    # 10 tracts x 2,000 commits
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from scale import Generator  # noqa: E402

TARGET_MB = 500


def rss_mb() -> float:
    """This process's resident set size (VmRSS), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def build(path: str, tracts: int, commits: int) -> None:
    from tract_core.storage import Store

    store = Store(path)
    gen = Generator(store)
    for k in range(tracts):
        tid = f"tract-{k:03d}"
        gen.tract(tid, "main")
        gen.chain(tid, "main", None, commits)
    gen.flush(last=True)
    store.close()


def serve(path: str, tracts: int, commits: int, rounds: int) -> None:
    """In its own process: compile every tract through the server's pool; print RSS figures."""
    from server.pool import TractPool

    base = rss_mb()
    pool = TractPool.open(path)
    peak, times = 0.0, []
    for _ in range(rounds):  # the second round finds the snapshots the first one saved
        for k in range(tracts):
            t0 = time.perf_counter()
            ctx = pool.read(f"tract-{k:03d}").compile()
            times.append(time.perf_counter() - t0)
            assert len(ctx.messages) == commits, len(ctx.messages)
            del ctx
            peak = max(peak, rss_mb())
    gc.collect()
    print(f"{base:.1f} {peak:.1f} {rss_mb():.1f} {len(pool.open_tracts())} {common.median(times) * 1e3:.1f}")
    pool.close()


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 tracts x 2,000 commits")
    ap.add_argument("--tracts", type=int)
    ap.add_argument("--commits", type=int)
    ap.add_argument("--rounds", type=int, default=2, help="passes over every tract (default 2)")
    ap.add_argument("--store", help="build the store here, or reuse the one there (kept afterwards)")
    ap.add_argument("--serve", nargs=2, metavar=("PATH", "ROUNDS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    tracts = args.tracts or (10 if args.quick else 100)
    commits = args.commits or (2_000 if args.quick else 10_000)
    if args.serve:
        serve(args.serve[0], tracts, commits, int(args.serve[1]))
        return []
    out(f"# memory benchmark ({common.machine()})")
    work = common.scratch_dir("memory")
    try:
        path = args.store or str(work / "store.db")
        if not Path(path).exists():
            t0 = time.perf_counter()
            build(path, tracts, commits)
            out(f"  built {tracts} tracts x {commits:,} commits in {time.perf_counter() - t0:.0f} s "
                f"({common.sqlite_bytes(path) / 2**20:,.0f} MiB on disk)")
        figures = subprocess.run([sys.executable, __file__, "--serve", path, str(args.rounds), "--tracts",
                                  str(tracts), "--commits", str(commits)], check=True, capture_output=True,
                                 text=True, cwd=Path(__file__).resolve().parent.parent).stdout.split()
    finally:
        common.remove(work)
    base, peak, end, open_now, compile_ms = (float(x) for x in figures)
    rows = [[f"{tracts} x {commits:,}", f"{base:.0f}", f"{peak:.0f}", f"{end:.0f}", f"{open_now:.0f}",
             f"{compile_ms:.0f}"]]
    out("")
    out(common.table(["tracts x commits", "RSS before (MB)", "RSS peak (MB)", "RSS at end (MB)",
                      "tracts open in the pool", "compile p50 (ms)"], rows))
    out("")
    out(f"target: resident < {TARGET_MB} MB serving {tracts} tracts of {commits:,} commits: "
        f"{'met' if peak < TARGET_MB else 'MISSED'} (peak {peak:.0f} MB)")
    return rows


if __name__ == "__main__":
    main()

"""Search benchmark: what full-text indexing adds to a commit, and how long a search takes on a long
history, on SQLite and PostgreSQL.

    python bench/search.py              # 3,000 agent steps (12,000 commits)
    python bench/search.py --steps 500  # quicker

Commit latency is measured twice on fresh stores: with the index, and with the statements that index a
blob's words (storage/hot.py) replaced by ones that store the blob alone (the cost of a commit before
search existed). Tokens are counted by words, so the figure is
the store's work, not the tokenizer's. Targets: indexing adds at most 25% to a commit; a search of
the branch answers in at most 100 ms at 12,000 commits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402
from tract_core.storage import hot  # noqa: E402
from tract_core.storage.driver import Sql  # noqa: E402

# the indexing statements, and stand-ins that take the same parameters and index nothing
INDEXED = (hot.INSERT_WORDS, hot.PUT_BLOB_PG)
UNINDEXED = (Sql("SELECT ?, ?"),
             Sql("INSERT INTO blobs (hash, content_type, body, token_count) SELECT ?, ?, ?, ? "
                 "WHERE CAST(? AS text) IS NOT NULL ON CONFLICT (hash) DO NOTHING"))


def indexing(on: bool) -> None:
    hot.INSERT_WORDS, hot.PUT_BLOB_PG = INDEXED if on else UNINDEXED


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def fill(plain: Tract, indexed: Tract, steps: int) -> tuple[list[float], list[float]]:
    """The same commits into both tracts, alternating (so load on the machine hits both alike);
    `plain` with indexing turned off. Returns the latencies (plain, indexed)."""
    turns, lat = common.Turns(), ([], [])
    try:
        for i in range(steps):
            s = turns.step(i)
            for k, t in enumerate((plain, indexed)):
                indexing(k == 1)
                for make in (lambda: t.user(s["user"]),
                             lambda: t.tool_call(s["tool"], s["arguments"], s["call_id"]),
                             lambda: t.tool_result(s["call_id"], s["result"], name=s["tool"]),
                             lambda: t.assistant(s["assistant"])):
                    t0 = time.perf_counter()
                    make()
                    lat[k].append(time.perf_counter() - t0)
    finally:
        indexing(True)
    return lat


def searches(t: Tract) -> list[tuple[str, float, int]]:
    out = []
    for label, kw in (("rare word", {"text": "[result 7]"}), ("two common words", {"text": "parser patch"}),
                      ("tag filter", {"tag": "milestone"}), ("role filter", {"role": "tool", "limit": 20})):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            n = len(t.search(**kw))
            times.append(time.perf_counter() - t0)
        out.append((label, statistics.median(times), n))
    return out


def run(name: str, url_factory, steps: int) -> list[list[object]]:
    rows = []
    with url_factory() as url_a, url_factory() as url_b:
        plain, t = Tract.open(url_a, counter=WordCounter()), Tract.open(url_b, counter=WordCounter())
        lat_off, lat_on = fill(plain, t, steps)
        plain.close()
        t.tag("HEAD~10", "milestone")
        med_on, med_off = statistics.median(lat_on), statistics.median(lat_off)
        rows.append([name, "commit, median (without index → with)",
                     f"{common.ms(med_off)} → {common.ms(med_on)} (+{(med_on / med_off - 1) * 100:.0f}%)",
                     "≤ +25%"])
        for label, secs, n in searches(t):
            rows.append([name, f"search {label} ({steps * 4:,} commits, {n} hits)", common.ms(secs),
                         "≤ 100 ms"])
        if name == "PostgreSQL":  # a fresh schema has no planner statistics until autovacuum runs
            with t.store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            for label, secs, n in searches(t):
                rows.append([name, f"search {label}, after ANALYZE", common.ms(secs), "≤ 100 ms"])
        t.close()
    return rows


def main(argv: list[str] | None = None, out=print) -> list[list[object]]:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--no-pg", action="store_true", help="SQLite only")
    a = p.parse_args(argv)
    from contextlib import contextmanager

    @contextmanager
    def sqlite():
        d = common.scratch_dir("search")
        try:
            yield str(d / "s.db")
        finally:
            common.remove(d)

    @contextmanager
    def pg():
        with common.pg_schema() as (url, _):
            yield url

    rows = run("SQLite", sqlite, a.steps)
    reason = "--no-pg" if a.no_pg else common.pg_reason()
    rows += run("PostgreSQL", pg, a.steps) if reason is None else [["PostgreSQL", reason, "", ""]]
    out(common.machine())
    out(common.table(["engine", "measure", "figure", "target"], rows))
    return rows


if __name__ == "__main__":
    main()

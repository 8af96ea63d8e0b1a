"""What the audit trail adds to a commit: the time of its one event INSERT (written in the commit's
transaction), on SQLite and PostgreSQL, median of 3 runs, beside the target.

    python bench/audit_events.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, pg_reason, pg_schema, scratch_dir, table  # noqa: E402
from tract_core import Session  # noqa: E402
from tract_core.operations import committing  # noqa: E402

TARGET_MS = 0.1   # on SQLite: a third of the 0.3 ms a whole commit aims at; PostgreSQL adds a round trip


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def event_ms(url: str, commits: int, run: int) -> float:
    """The median time of the commit event's INSERT over `commits` commits of a session's tract."""
    real, spent = committing.record_commits, []

    def timed(*args, **kwargs):
        started = time.perf_counter()
        real(*args, **kwargs)
        spent.append(time.perf_counter() - started)

    committing.record_commits = timed
    try:
        with Session.open(url, counter=WordCounter()) as s:
            t = s.tract(f"bench-{run}")
            for i in range(commits):
                t.user(f"turn {i}", trace_id="bench")
    finally:
        committing.record_commits = real
    return median(spent) * 1000


def main(quick: bool = False) -> list[list[object]]:
    commits = 50 if quick else 300
    rows = []
    sqlite = str(scratch_dir("audit") / "t.db")
    rows.append(["sqlite", f"{median([event_ms(sqlite, commits, r) for r in range(3)]):.3f}", TARGET_MS])
    reason = pg_reason()
    if reason is None:
        with pg_schema() as (url, _):
            rows.append(["postgresql", f"{median([event_ms(url, commits, r) for r in range(3)]):.3f}", "-"])
    else:
        print(f"postgresql skipped: {reason}")
    print(table(["engine", "event INSERT ms (median of 3)", "target ms"], rows))
    return rows


if __name__ == "__main__":
    main("--quick" in sys.argv)

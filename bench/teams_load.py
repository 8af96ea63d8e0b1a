"""Load test of the task queue: W worker processes claim and complete N tasks (each completion
writes a collapse commit on the parent tract), on SQLite and PostgreSQL.

    .venv/bin/python bench/teams_load.py --tasks 200 --workers 1 2 4 8

Prints tasks/s and the p50/p95 of claim+complete per task, beside the target (a team of 8
workers sustains ≥ 50 tasks/s on one PostgreSQL on this 2-core machine). Each PostgreSQL run uses
its own schema, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import PG_URL, pct  # noqa: E402

TARGET_TASKS_PER_S = 50


class Words:
    def count(self, text: str) -> int:
        return len(text.split())


def worker(url: str, session_id: str, name: str, go: str) -> None:
    from tract_core import Session

    times = []
    with Session.open(url, session_id, counter=Words()) as s:
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.002)
        while True:
            t0 = time.perf_counter()
            task = s.claim_task(name, lease_seconds=60)
            if task is None:
                break
            task.complete(f"{name} did {task.title}")
            times.append(time.perf_counter() - t0)
    print(json.dumps(times), flush=True)


def run(url: str, tasks: int, workers: int) -> dict:
    from tract_core import Session

    with Session.open(url, counter=Words()) as s:
        s.tract("lead").system("coordinate")
        for i in range(tasks):
            s.post_task(f"task {i}", parent="lead", idempotency_key=f"k{i}")
        sid = s.id
    go = Path(tempfile.mkdtemp()) / "go"
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", url, sid, f"w{i}", str(go)],
                              stdout=subprocess.PIPE, text=True) for i in range(workers)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    go.touch()
    per_task = [t for p in procs for t in json.loads(p.communicate()[0].strip().splitlines()[-1])]
    wall = time.perf_counter() - start
    with Session.open(url, sid, counter=Words()) as s:
        reports = sum(m.content.startswith("[Report") for m in s.tract("lead").compile().messages)
        assert reports == tasks and all(t.attempts == 1 for t in s.tasks()), "a task was lost or doubled"
    return {"tasks/s": tasks / wall, "p50 ms": pct(per_task, 50) * 1e3, "p95 ms": pct(per_task, 95) * 1e3}


def pg_schema_url() -> tuple[str, str]:
    import psycopg

    schema = f"tract_bench_teams_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as c:
        c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main(argv: list[str] | None = None, out=print) -> list[tuple]:
    a = argparse.ArgumentParser()
    a.add_argument("--tasks", type=int, default=200)
    a.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    a.add_argument("--no-pg", action="store_true")
    args = a.parse_args(argv)
    rows = []
    out(f"| engine | workers | tasks | tasks/s | p50 ms | p95 ms |  (target: ≥ {TARGET_TASKS_PER_S} tasks/s "
        "with 8 workers on PostgreSQL)")
    out("|---|---|---|---|---|---|")
    for engine in ("sqlite",) + (() if args.no_pg else ("postgresql",)):
        for w in args.workers:
            schema = None
            if engine == "sqlite":
                url = str(Path(tempfile.mkdtemp()) / "teams.db")
            else:
                url, schema = pg_schema_url()
            try:
                r = run(url, args.tasks, w)
            finally:
                if schema:
                    drop_schema(schema)
            rows.append((engine, w, args.tasks, r["tasks/s"], r["p50 ms"], r["p95 ms"]))
            out(f"| {engine} | {w} | {args.tasks} | {r['tasks/s']:.1f} | {r['p50 ms']:.1f} | {r['p95 ms']:.1f} |")
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:6])
    else:
        main()

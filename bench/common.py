"""What every benchmark shares: percentiles, tables, realistic turns, stores to measure in.

The scripts in this folder are run by hand (`python bench/<name>.py [--quick]`); nothing here is
imported by the library or its tests, except the smoke test that keeps the scripts from rotting.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import sqlite3
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PG_URL = os.environ.get("TRACT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OUT = Path(__file__).with_name("out")  # gitignored: stores and peers' files live here while measured

_WORDS = ("the agent reads a file then calls a tool to search the repository for the failing test "
          "and writes a patch that fixes the off by one error in the parser before running the suite "
          "again checking coverage and summarising what changed for the reviewer who asked why the "
          "cache was invalidated twice when the branch moved back to an older commit").split()


# --- numbers ---
def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    """Seconds as milliseconds with sensible precision."""
    if seconds != seconds:  # nan
        return "n/a"
    v = seconds * 1e3
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def kib(n_bytes: float) -> str:
    return f"{n_bytes / 1024:,.1f}"


def ratio(a: float, b: float) -> str:
    return "n/a" if not b or a != a or b != b else f"{a / b:.1f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it reads well in a terminal and pastes into RESULTS.md)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [line(r) for r in cells[1:]])


# --- content ---
class Turns:
    """Deterministic agent turns of 300-400 characters, so every tool measures the same text."""

    def __init__(self, seed: int = 6) -> None:
        self.rng = random.Random(seed)

    def text(self, label: str, lo: int = 300, hi: int = 400) -> str:
        size = self.rng.randint(lo, hi)
        words = [label]
        n = len(label)
        while n < size:
            w = self.rng.choice(_WORDS)
            words.append(w)
            n += len(w) + 1
        return " ".join(words)[:size]

    def step(self, i: int) -> dict:
        """One agent step: a user turn, an assistant turn with a tool call, and the tool's result."""
        return {"user": self.text(f"[user {i}]"), "assistant": self.text(f"[assistant {i}]"),
                "tool": "search", "call_id": f"call_{i}", "arguments": {"query": self.text(f"q{i}", 60, 90)},
                "result": self.text(f"[result {i}]")}


# --- stores ---
def scratch_dir(name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=OUT))


def sqlite_bytes(path: str | Path) -> int:
    """A SQLite database's size on disk, WAL included, after a checkpoint (what stays)."""
    try:
        with sqlite3.connect(path) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass
    return sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))


def pg_reason() -> str | None:
    """None when PostgreSQL answers, else why not (the PostgreSQL rows are then skipped)."""
    try:
        import psycopg

        with psycopg.connect(_conninfo(), connect_timeout=3):
            return None
    except Exception as err:  # any failure: no usable server
        return f"PostgreSQL not reachable at {PG_URL}: {err}"


def _conninfo() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def pg_schema() -> Iterator[tuple[str, str]]:
    """(store URL, schema) of a fresh PostgreSQL schema, dropped afterwards."""
    import psycopg

    schema = f"tract_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema
    finally:
        with psycopg.connect(_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def pg_bytes(schema: str) -> int:
    """Tables, indexes and TOAST of one schema."""
    import psycopg

    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,)).fetchone()
    return int(row[0])


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def machine() -> str:
    """One line about where the figures came from."""
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM, "
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {mem}Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}, load average {load:.2f} at start")

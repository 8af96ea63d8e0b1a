"""Hostile input over a real stdio server: time and memory to refuse a 20 MB commit, then log(3);
memory after thousands of tract names. Prints each figure beside its target.

    python bench/hostile_input.py [--names 3000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.raw_stdio import RawServer  # noqa: E402

USER = {"content_type": "dialogue", "role": "user", "text": "x"}


def main(argv: list[str] | None = None, out=print) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--names", type=int, default=3000)
    opts = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        s = RawServer(Path(tmp) / "t.db")
        try:
            s.call("commit", content=USER)
            base = s.rss_kib()
            started = time.monotonic()
            s.send(json.dumps({"jsonrpc": "2.0", "id": "big", "method": "tools/call", "params": {
                "name": "commit", "arguments": {"content": {**USER, "text": "x" * (20 << 20)}}}}))
            answer = s.answer(timeout=120)
            refused = time.monotonic() - started
            peak = s.rss_kib("VmHWM") - base
            started = time.monotonic()
            log = s.call("log", limit=3)
            log_s, log_bytes = time.monotonic() - started, len(json.dumps(log))
            out("| measure | figure | target |")
            out("|---|---|---|")
            out(f"| 20 MB commit answered | {refused:.2f} s ({'refused' if 'error' in answer else 'accepted'}) "
                "| < 5 s, refused |")
            out(f"| server peak memory over baseline | {peak / 1024:.1f} MiB | < 32 MiB |")
            out(f"| log(limit=3) after it | {log_s * 1000:.0f} ms, {log_bytes:,} bytes | < 1 s, < 4 MB |")
            before = s.rss_kib()
            for i in range(opts.names):
                s.call("status", tract=f"ghost-{i}")
            for i in range(opts.names):
                s.call("commit", content=USER, tract=f"agent-{i}")
            grown = s.rss_kib() - before
            out(f"| memory after {opts.names:,} unknown reads + {opts.names:,} new tracts | "
                f"{grown / 1024:+.1f} MiB | < 8 MiB (bounded) |")
        finally:
            s.close()


if __name__ == "__main__":
    main()

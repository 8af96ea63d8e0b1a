"""A writer process for the concurrency tests: append N turns to one branch, print their hashes.

    python append_worker.py URL LABEL COUNT GO_FILE

Opens the tract, prints "ready", waits until GO_FILE exists (so all writers start together), then
prints one JSON line: {"label": …, "hashes": [...]} — or {"label": …, "error": "…"} if anything raised.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def main() -> None:
    url, label, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    from tract_core import Tract

    out: dict = {"label": label, "hashes": []}
    try:
        with Tract.open(url, counter=WordCounter()) as t:
            print("ready", flush=True)
            while not go.exists():
                time.sleep(0.005)
            for i in range(count):
                out["hashes"].append(t.user(f"{label} turn {i}").hash)
    except Exception as err:  # report it to the test, which fails with the traceback
        out["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

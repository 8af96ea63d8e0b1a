"""A worker process for the task-queue tests.

    python task_worker.py URL SESSION WORKER MODE GO_FILE

MODE "work": claim tasks until the queue has nothing pending or claimed, complete each with
collapse, print one JSON line {"worker": …, "done": [ids]} (or {"error": …}).
MODE "hold": claim one task with a 1-second lease, print {"held": id}, then sleep until killed.
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
    url, session_id, worker, mode, go = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], Path(sys.argv[5])
    from tract_core import Session

    out: dict = {"worker": worker, "done": []}
    try:
        with Session.open(url, session_id, counter=WordCounter()) as s:
            print("ready", flush=True)
            while not go.exists():
                time.sleep(0.005)
            if mode == "hold":
                task = s.claim_task(worker, lease_seconds=1)
                print(json.dumps({"held": task.id if task else None}), flush=True)
                time.sleep(3600)
            while True:
                task = s.claim_task(worker, lease_seconds=30)
                if task is None:
                    if not s.tasks("pending") and not s.tasks("claimed"):
                        break
                    time.sleep(0.05)
                    continue
                task.complete(f"{worker} finished {task.title}")
                out["done"].append(task.id)
    except Exception as err:  # reported to the test, which fails with the traceback
        out["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

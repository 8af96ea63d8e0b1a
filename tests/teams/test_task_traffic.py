"""Messy traffic on the task queue: random posts (with repeated keys), claims by several workers,
heartbeats, completions, failures, cancels and clock jumps. Whatever the order, a task is done at
most once, the parent holds one report per task completed with collapse, and a late worker is
always refused."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tract_core import Session, TaskError, clock

WORKERS = ["a", "b", "c"]
steps = st.lists(st.one_of(
    st.tuples(st.just("post"), st.integers(0, 5)),
    st.tuples(st.just("claim"), st.sampled_from(WORKERS)),
    st.tuples(st.sampled_from(["complete", "fail", "heartbeat", "cancel"]), st.integers(0, 10)),
    st.tuples(st.just("wait"), st.sampled_from([1, 30, 61])),
), max_size=40)


class Words:
    def count(self, text: str) -> int:
        return len(text.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_task_traffic_keeps_the_queue_consistent(ops):
    clock.reset()
    held = []
    with Session.open(":memory:", counter=Words()) as s:
        s.tract("lead").system("coordinate")
        for op, arg in ops:
            if op == "post":
                s.post_task(f"t{arg}", parent="lead", idempotency_key=f"k{arg}", max_attempts=2)
            elif op == "claim":
                task = s.claim_task(arg, lease_seconds=60)
                if task is not None:
                    held.append(task)
            elif op == "wait":
                clock.advance(arg)
            elif held:
                task = held[arg % len(held)]
                try:
                    {"complete": lambda: task.complete(f"{task.worker} did it"), "fail": lambda: task.fail("no"),
                     "heartbeat": lambda: task.heartbeat(60), "cancel": task.cancel}[op]()
                except TaskError:
                    fresh = s.task(task.id)  # refused only when the task is not this worker's any more
                    assert op != "cancel" or fresh.status in ("done", "failed", "cancelled")
                    assert op == "cancel" or (fresh.status, fresh.worker, fresh.attempts) != (
                        "claimed", task.worker, task.attempts) or fresh.lease_expires_at.timestamp() * 1e6 < clock.now_us()
        tasks = s.tasks()
        assert len({t.idempotency_key for t in tasks}) == len(tasks)
        done = [t for t in tasks if t.status == "done"]
        reports = [m for m in s.tract("lead").compile().messages if m.content.startswith("[Report")]
        assert len(reports) == len(done)
        assert all(t.attempts <= t.max_attempts for t in tasks)
        claims = [e for e in s.audit(kind="task_done", limit=1000)]
        assert len(claims) == len(done)
    clock.reset()

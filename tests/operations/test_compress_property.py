"""Over random histories: a compression replaces exactly its range, and undo gives the branch back."""

from __future__ import annotations

from compress_support import open_tract
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tract_core import CompressionError, Tract
from tract_core.operations.compress import SUMMARY_HEADER

STEPS = st.lists(st.tuples(st.sampled_from(["user", "assistant", "tool", "edit", "skip", "pin"]),
                           st.integers(0, 1000)), min_size=2, max_size=25)


def fresh(t: Tract):
    return Tract(t.store, t.tract_id, counter=t.repo.counter).compile()


def build(t: Tract, steps) -> None:
    turns: list[str] = []            # plain turns (not tool I/O): what edits and annotations target
    for n, (op, r) in enumerate(steps):
        if op == "user" or (op in ("edit", "skip", "pin") and not turns):
            turns.append(t.user(f"question {n} about item-{r}").hash)
        elif op == "assistant":
            turns.append(t.assistant(f"answer {n}: {r} units").hash)
        elif op == "tool":
            t.tool_call("lookup", {"id": r}, f"call{n}")
            t.tool_result(f"call{n}", f"value {r * 3}")
        elif op == "edit":
            t.commit({"content_type": "dialogue", "role": "user", "text": f"edited {n}"},
                     operation="edit", edit_target=turns[r % len(turns)])
        else:
            t.annotate(turns[r % len(turns)], "skip" if op == "skip" else "pinned")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS, st.integers(0, 10_000), st.integers(0, 10_000))
def test_compression_replaces_its_range_and_undo_restores_it(steps, a, b):
    t = open_tract()
    build(t, steps)
    before = t.compile()
    chain = [c.hash for c in reversed(t.log())]
    lo, hi = sorted((a % len(chain), b % len(chain)))
    try:
        pending = t.compress(from_commit=chain[lo], to_commit=chain[hi], deferred=True)
    except CompressionError as err:
        assume("PINNED or SKIP" not in str(err) and "edits" not in str(err))
        raise
    texts = [f"summary {i}" for i in range(len(pending.groups))]
    result = t.approve_compression(pending.id, summaries=texts)

    replaced = {h for g in pending.groups for h in g}
    group_of = {h: i for i, g in enumerate(pending.groups) for h in g}
    expected, emitted = [], set()
    for m in before.messages:
        position = t.show(m.commit_hash).edit_target or m.commit_hash
        if position in replaced:
            i = group_of[position]
            if i not in emitted:
                emitted.add(i)
                expected.append(("user", SUMMARY_HEADER + texts[i]))
        elif position not in set(pending.source_hashes) or position in pending.kept:
            expected.append((m.role, m.content))
    after = t.compile()
    got = [(m.role, m.content) for m in after.messages]
    assert got == expected
    assert after == fresh(t)
    assert set(result.source_hashes) == set(pending.source_hashes)

    t.user("a later turn")
    t.undo_compression(result.event_id)
    restored = t.compile()
    assert [(m.role, m.content) for m in restored.messages] == \
        [(m.role, m.content) for m in before.messages] + [("user", "a later turn")]
    assert restored.commit_hashes[:-1] == before.commit_hashes   # the very same commits again
    assert restored == fresh(t)
    t.close()

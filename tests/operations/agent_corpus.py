"""Realistic agent trajectories, generated from a seed: tasks, reasoning, tool calls with JSON
arguments (sometimes several before their results), long tool outputs, errors, non-ASCII text."""

from __future__ import annotations

import random

WORDS = ("the flight from Paris leaves at nine and the return is booked for Sunday morning; "
         "please check the refund policy, baggage rules and whether a window seat is still free "
         "def main(): return sorted(items, key=lambda x: x.price) # cheapest first").split()
FOREIGN = ["東京から大阪までの新幹線", "预订两张去北京的票", "🌸✈️🧳 trip", "שלום, מה שלומך?",
           "مرحبا بالعالم", "Grüße aus Köln — naïve café", "서울 날씨 어때요?"]
TOOLS = ["search_flights", "get_weather", "read_file", "run_tests", "book_hotel", "calculator"]


def _text(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.25:
        words.insert(rng.randrange(len(words) + 1), rng.choice(FOREIGN))
    return " ".join(words)


def _arguments(rng: random.Random) -> dict:
    args = {"query": _text(rng, 1, 6), "limit": rng.randint(1, 50)}
    if rng.random() < 0.4:
        args["filters"] = {"city": rng.choice(FOREIGN), "flexible": rng.random() < 0.5,
                           "dates": ["2026-03-01", "2026-03-08"]}
    return args


def _result(rng: random.Random):
    roll = rng.random()
    if roll < 0.3:  # a long output: a file, a listing, a test log
        return "\n".join(_text(rng, 8, 20) for _ in range(rng.randint(10, 40)))
    if roll < 0.6:
        return {"items": [{"id": i, "name": _text(rng, 1, 4), "price": rng.randint(20, 900)}
                          for i in range(rng.randint(1, 6))], "next": None}
    return _text(rng, 3, 30)


def trajectory(seed: int) -> list[tuple]:
    """A list of steps: ("system"|"user"|"assistant", text), ("call", name, args, id),
    ("result", id, result, is_error). Every call gets its result; ids are unique."""
    rng = random.Random(seed)
    steps: list[tuple] = [("system", _text(rng, 20, 60)), ("user", _text(rng, 5, 40))]
    serial = 0
    for _ in range(rng.randint(3, 12)):
        if rng.random() < 0.6:
            steps.append(("assistant", _text(rng, 3, 30)))
        calls = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # sometimes parallel calls
            serial += 1
            call_id = f"call_{seed}_{serial}_{rng.getrandbits(48):012x}"
            steps.append(("call", rng.choice(TOOLS), _arguments(rng), call_id))
            calls.append(call_id)
        for call_id in calls:
            steps.append(("result", call_id, _result(rng), rng.random() < 0.1))
        if rng.random() < 0.3:
            steps.append(("user", _text(rng, 2, 25)))
    steps.append(("assistant", _text(rng, 10, 60)))
    return steps


def commit_trajectory(tract, steps: list[tuple]) -> None:
    for step in steps:
        kind = step[0]
        if kind == "system":
            tract.system(step[1])
        elif kind == "user":
            tract.user(step[1])
        elif kind == "assistant":
            tract.assistant(step[1])
        elif kind == "call":
            tract.tool_call(step[1], step[2], step[3])
        else:
            tract.tool_result(step[1], step[2], is_error=step[3])

"""Write the test corpus: agent trajectories in OpenAI chat shape, the way production models emit
them: call ids reused later in a conversation, parallel calls, long tool outputs, tool errors,
non-ASCII (CJK, emoji, right-to-left) in arguments and results. Deterministic (seeded); run
`python tests/corpus/make_corpus.py` to rewrite the JSON files next to it."""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
CITIES = ["東京", "Zürich", "القاهرة", "São Paulo", "Reykjavík", "서울", "תל אביב", "Kraków", "上海", "Montréal"]
NOTES = ["✈️ window seat please", "无障碍通道", "مقعد بجانب النافذة", "🧳 one checked bag", "", "vegan meal 🌱"]


class Conversation:
    def __init__(self, rng: random.Random, system: str, reuse: float) -> None:
        self.rng = rng
        self.messages: list[dict] = [{"role": "system", "content": system}]
        self.reuse = reuse          # how often the model reuses an earlier call id
        self.used: list[str] = []
        self.serial = 0

    def call_id(self) -> str:
        if self.used and self.rng.random() < self.reuse:
            return self.rng.choice(self.used)   # what some models do: an id from earlier on
        self.serial += 1
        cid = f"call_{self.rng.getrandbits(40):010x}" if self.rng.random() < 0.5 else f"toolu_{self.serial:02d}"
        self.used.append(cid)
        return cid

    def user(self, text: str) -> None:
        self.messages.append({"role": "user", "content": text})

    def assistant(self, text: str | None, calls: list[tuple[str, dict]] = ()) -> list[str]:
        message: dict = {"role": "assistant", "content": text}
        ids = []
        if calls:
            message["tool_calls"] = []
            for name, arguments in calls:
                cid = self.call_id()
                while cid in ids:   # ids within one message stay distinct
                    cid = self.call_id()
                ids.append(cid)
                message["tool_calls"].append({"id": cid, "type": "function", "function": {
                    "name": name, "arguments": json.dumps(arguments, ensure_ascii=self.rng.random() < 0.5)}})
        self.messages.append(message)
        return ids

    def tool(self, call_id: str, content: str) -> None:
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})


def flight_rows(rng: random.Random, origin: str, dest: str, n: int) -> str:
    rows = [{"flight": f"{rng.choice(['NH', 'LX', 'MS', 'KE', 'LY'])}{rng.randint(10, 999)}",
             "from": origin, "to": dest, "depart": f"2026-12-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15",
             "price": {"amount": rng.randint(120, 2400), "currency": rng.choice(["USD", "JPY", "EUR"])},
             "note": rng.choice(NOTES)} for _ in range(n)]
    return json.dumps(rows, ensure_ascii=False)


def travel(rng: random.Random, turns: int, reuse: float) -> list[dict]:
    c = Conversation(rng, "You are a travel agent. Use the tools; never invent flights. 回答は簡潔に。", reuse)
    for _ in range(turns):
        origin, dest = rng.sample(CITIES, 2)
        c.user(f"I need a flight from {origin} to {dest} {rng.choice(['next week', 'on Friday', '来週', 'الأسبوع القادم'])}.")
        kind = rng.random()
        if kind < 0.35:   # parallel calls, results in another order
            ids = c.assistant(rng.choice([None, "Let me check both options."]),
                              [("search_direct_flight", {"origin": origin, "destination": dest}),
                               ("search_onestop_flight", {"origin": origin, "destination": dest, "max_stops": 1})])
            for cid in rng.sample(ids, len(ids)):
                c.tool(cid, flight_rows(rng, origin, dest, rng.randint(1, 4)))
        elif kind < 0.5:  # a tool error, then a retry
            [cid] = c.assistant(None, [("search_direct_flight", {"origin": origin, "destination": "???"})])
            c.tool(cid, "Error: unknown airport code '???' — use an IATA code (例: NRT)")
            [cid] = c.assistant("Retrying with the right code.",
                                [("search_direct_flight", {"origin": origin, "destination": dest})])
            c.tool(cid, flight_rows(rng, origin, dest, 2))
        else:
            [cid] = c.assistant(None, [("search_direct_flight", {"origin": origin, "destination": dest,
                                                                 "passengers": [{"name": "أحمد"}, {"name": "李雷"}]})])
            c.tool(cid, flight_rows(rng, origin, dest, rng.randint(0, 3)) if rng.random() < 0.8 else "[]")
        c.assistant(f"Found options from {origin} to {dest}. {rng.choice(['👍', 'שיהיה בהצלחה', '祝您旅途愉快'])}")
    return c.messages


def coding(rng: random.Random, turns: int, reuse: float) -> list[dict]:
    c = Conversation(rng, "You are a coding agent in a repository. Read before you edit.", reuse)
    c.user("The tests fail on Windows paths with emoji 📁 in them; fix it. فضلاً")
    answer = None   # the model's reply to a user who asked for news goes with its next call
    for step in range(turns):
        path = rng.choice(["src/paths.py", "src/日本語/io.py", "tests/test_paths.py", "docs/ملف.md"])
        text = answer or (None if rng.random() < 0.6 else f"Step {step}: reading {path}.")
        [cid] = c.assistant(text, [("read_file", {"path": path})])
        answer = None
        body = "\n".join(f"{n:4d}  {rng.choice(['def f(x):', '    return x', '# 注释 📌', 'import os', ''])}"
                         for n in range(rng.randint(50, 400)))   # long tool output
        c.tool(cid, body if rng.random() < 0.85 else f"Error: {path}: No such file or directory")
        if rng.random() < 0.4:
            ids = c.assistant(None, [("grep", {"pattern": "os.sep", "path": "src"}),
                                     ("run_tests", {"select": "-k windows", "env": {"LANG": "ja_JP.UTF-8"}})])
            c.tool(ids[0], "src/paths.py:12: parts = p.split(os.sep)")
            c.tool(ids[1], "FAILED tests/test_paths.py::test_emoji_dir - AssertionError: '📁' != '\\\\U0001f4c1'")
        if rng.random() < 0.3:
            c.user(rng.choice(["Any progress?", "进展如何？", "מה המצב?"]))
            answer = "Still investigating."
    c.assistant("Fixed: paths are now split with pathlib, and the tests pass. ✅")
    return c.messages


def main() -> None:
    rng = random.Random(20261201)
    made = []
    for i in range(8):
        made.append((f"travel_{i:02d}", travel(rng, rng.randint(3, 9), reuse=0.0 if i == 0 else 0.35)))
    for i in range(6):
        made.append((f"coding_{i:02d}", coding(rng, rng.randint(4, 12), reuse=0.3)))
    for name, messages in made:
        (HERE / f"{name}.json").write_text(json.dumps(messages, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()

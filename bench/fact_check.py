"""How far `lost_facts` can be trusted: on long multi-session conversations with known answers, a
deliberately lossy summary of the first half of each, and what the check says it lost.

Corpus: bench/data/fact_check/*.txt, conversations written for this measurement (renovation,
travel, software, family, jobs: names, amounts, dates, identifiers, paths, URLs, rules), each
with questions and their answers (`Q: … | A: …`).

The lossy summary: the first half of each conversation's turns, cut into sentences; a seeded draw
keeps about a third of them, and the kept ones are rephrased the way a model would (third person,
"The user said that …", thousands separators and ordinal suffixes dropped); code is left out.

Definitions (each answer and each reported fact is judged on the SOURCE side — which sentences the
summary kept — never by the checker's own matching):
  lost answer   an answer that appears in the first half but in none of the sentences kept.
  recall        lost answers that some reported fact names (the fact's text contains the answer or
                is contained in it, as normalised words) / lost answers.
  precision     reported facts that are really lost (their text is in none of the kept sentences)
                / reported facts. A false alarm is a fact the summary did keep, rephrased, that the
                check failed to recognise.
Targets: recall >= 0.8 at precision >= 0.9. Careful rules, no model: no NER model here would load
without a download outside the package registries (spaCy's models come from GitHub releases).

Run: python bench/fact_check.py [--keep 0.35] [--seed 7]
"""


import argparse
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tract_core.compression.facts import find_facts, lost_facts, normalize  # noqa: E402

DATA = Path(__file__).with_name("data") / "fact_check"
RECALL_TARGET, PRECISION_TARGET = 0.8, 0.9
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass
class Conversation:
    name: str
    turns: list[tuple[str, str, str]] = field(default_factory=list)   # (date, role, text)
    qa: list[tuple[str, str]] = field(default_factory=list)


def load(path: Path) -> Conversation:
    conv = Conversation(path.stem)
    date, in_qa, code = "", False, None
    for line in path.read_text().splitlines():
        if code is not None:   # a fenced block belongs to the turn before it
            code.append(line)
            if line.startswith("```"):
                d, role, text = conv.turns[-1]
                conv.turns[-1] = (d, role, text + "\n" + "\n".join(code))
                code = None
            continue
        if line.startswith("## session"):
            date = line.split()[-1]
        elif line.startswith("## qa"):
            in_qa = True
        elif line.startswith("```"):
            code = [line]
        elif in_qa and line.startswith("Q:"):
            q, a = line[2:].split("| A:")
            conv.qa.append((q.strip(), a.strip()))
        elif ":" in line and line.split(":", 1)[0] in ("user", "assistant"):
            role, text = line.split(":", 1)
            conv.turns.append((date, role, text.strip()))
    return conv


def rephrase(sentence: str, role: str) -> str:
    """What a summarizing model does to a sentence it keeps."""
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "", sentence)
    s = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", s)
    s = s.replace(" & ", " and ").replace("“", '"').replace("”", '"')
    s = re.sub(rf"\b({MONTHS}) (\d{{1,2}})\b", r"\2 \1", s)     # "April 14" -> "14 April"
    swaps = {r"\bI'm\b": "they are", r"\bI\b": "they", r"\bmy\b": "their", r"\bMy\b": "Their",
             r"\bwe\b": "they", r"\bWe\b": "They", r"\bour\b": "their", r"\bOur\b": "Their"}
    for pattern, repl in swaps.items():
        s = re.sub(pattern, repl, s)
    who = "The user" if role == "user" else "The assistant"
    return f"{who} said that {s[0].lower()}{s[1:]}" if s else s


def lossy_summary(conv: Conversation, keep: float, seed: int) -> tuple[list[tuple[str, str]], str, str]:
    """(sources as (turn id, text), summary, the kept source sentences joined)."""
    rng = random.Random(f"{seed}:{conv.name}")
    half = conv.turns[:len(conv.turns) // 2]
    sources, summary, kept = [], [], []
    for i, (date, role, text) in enumerate(half):
        sources.append((f"{conv.name}:{i}", text))
        prose = re.sub(r"```.*?```", " ", text, flags=re.S)
        for sentence in _SENT.split(prose.strip()):
            if sentence.strip() and rng.random() < keep:
                kept.append(sentence)
                summary.append(rephrase(sentence.strip(), role))
    return sources, " ".join(summary), " ".join(kept)


def names_answer(fact_text: str, answer: str) -> bool:
    f, a = normalize(fact_text), normalize(answer)
    return len(f.strip()) >= 3 and (f in a or a in f)


def measure(convs: list[Conversation], keep: float, seed: int):
    lost_answers = named = reported = true_losses = 0
    misses, false_alarms, per_kind = [], [], {}
    for conv in convs:
        sources, summary, kept_src = lossy_summary(conv, keep, seed)
        first_half = normalize(" ".join(t for _, t in sources))
        kept_norm = normalize(kept_src)
        facts = lost_facts(sources, summary)
        reported += len(facts)
        for f in facts:
            real = normalize(f.text) not in kept_norm
            true_losses += real
            per_kind.setdefault(f.kind, [0, 0])
            per_kind[f.kind][0] += 1
            per_kind[f.kind][1] += real
            if not real:
                false_alarms.append((conv.name, f.kind, f.text, f.context))
        for q, a in conv.qa:
            na = normalize(a)
            if na not in first_half or na in kept_norm:
                continue
            lost_answers += 1
            if any(names_answer(f.text, a) for f in facts):
                named += 1
            else:
                where = next((t for _, t in sources if na in normalize(t)), "")
                misses.append((conv.name, q, a, where))
    recall = named / lost_answers if lost_answers else 1.0
    precision = true_losses / reported if reported else 1.0
    return dict(lost_answers=lost_answers, named=named, recall=recall, reported=reported,
                true_losses=true_losses, precision=precision, misses=misses,
                false_alarms=false_alarms, per_kind=per_kind)


def main(argv: list[str] | None = None, out=print) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=float, default=0.35, help="share of first-half sentences the summary keeps")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    convs = [load(p) for p in sorted(DATA.glob("*.txt"))]
    r = measure(convs, args.keep, args.seed)
    qa = sum(len(c.qa) for c in convs)
    out(f"corpus: {len(convs)} conversations, {sum(len(c.turns) for c in convs)} turns, {qa} QA answers; "
        f"summary keeps {args.keep:.0%} of first-half sentences (seed {args.seed})")
    out(f"lost answers: {r['lost_answers']}, named by lost_facts: {r['named']}")
    out(f"recall    {r['recall']:.3f}  (target >= {RECALL_TARGET})")
    out(f"precision {r['precision']:.3f}  (target >= {PRECISION_TARGET}; {r['true_losses']} of "
        f"{r['reported']} reported facts really lost)")
    out("reported by kind (reported / really lost): " + ", ".join(
        f"{k} {n}/{t}" for k, (n, t) in sorted(r["per_kind"].items())))
    for conv, q, a, where in r["misses"]:
        out(f"miss  [{conv}] {q} -> {a!r}   in: {where[:90]!r}")
    for conv, kind, text, context in r["false_alarms"][:20]:
        out(f"false alarm  [{conv}] {kind} {text!r}   from: {context[:80]!r}")
    sweep = [measure(convs, k, seed) for k in (0.2, 0.35, 0.5) for seed in range(1, 6)]
    out(f"sweep over keep 0.2/0.35/0.5 x seeds 1-5: recall min {min(x['recall'] for x in sweep):.3f}, "
        f"precision min {min(x['precision'] for x in sweep):.3f}, lost answers "
        f"{sum(x['lost_answers'] for x in sweep)}, named {sum(x['named'] for x in sweep)}")
    text = "\n".join(t for c in convs for _, _, t in c.turns) * 20
    started = time.perf_counter()
    find_facts(text)
    elapsed = time.perf_counter() - started
    out(f"extraction speed: {len(text) / elapsed / 1e3:.0f} kB/s on {len(text) / 1e3:.0f} kB")
    return r


if __name__ == "__main__":
    main()

"""The README's example on tool pairing, budgets and the omission marker runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_pairing_example_runs(capsys):
    text = README.read_text()
    section = text[text.index("## Tool calls, budgets and what compile leaves out"):]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    exec(compile(code, "README.md", "exec"), {})
    assert "1 earlier turn (" in capsys.readouterr().out

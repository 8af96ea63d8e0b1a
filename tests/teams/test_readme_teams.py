"""The README's teams example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_teams_example_runs():
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if "Session.open" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})

"""The README's search, tags, revisions and batch commits example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_search_example_runs():
    text = README.read_text()
    section = text[text.index("## Search, tags, revisions and batch commits"):]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    exec(compile(code, "README.md", "exec"), {})

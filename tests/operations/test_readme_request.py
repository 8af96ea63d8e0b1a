"""The README's request example (token counts, tools and settings, prompt caching) runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_request_example_runs():
    text = README.read_text()
    section = text[text.index("## The request: token counts, tools and settings, prompt caching"):]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    exec(compile(code, "README.md", "exec"), {})

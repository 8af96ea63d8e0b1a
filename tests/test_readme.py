"""The README's library example runs as written, and its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _blocks(lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_library_example_runs():
    code = _blocks("python")[0]
    exec(compile(code, "README.md", "exec"), {})


def _section_example(heading: str) -> str:
    """The first python block under the README heading `heading`."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text[text.index(heading):], flags=re.S)[0]


@pytest.mark.parametrize("heading", [
    "## Compression, undo, gc and audit",
    "## Tool calls, budgets and what compile leaves out",
    "## Policies and must-keep facts",
    "## The request: token counts, tools and settings, prompt caching",
    "## Search, tags, revisions and batch commits",
])
def test_each_sections_example_runs(heading, capsys):
    exec(compile(_section_example(heading), "README.md", "exec"), {})
    if "Tool calls" in heading:
        assert "1 earlier turn (" in capsys.readouterr().out  # the omission note it prints


def test_the_teams_example_runs():
    blocks = [b for b in _blocks("python") if "Session.open" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})


def test_two_setup_commands_and_ci_runs_the_test_one():
    install_serve, run_tests = _blocks("bash")[:2]
    assert "tract-mcp" in install_serve and "pip install" in install_serve
    assert "pytest" in run_tests
    assert run_tests.strip() in (ROOT / ".ci" / "run").read_text()

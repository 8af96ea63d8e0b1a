"""The README's library example runs as written, and its set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blocks(lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_library_example_runs():
    code = _blocks("python")[0]
    exec(compile(code, "README.md", "exec"), {})


def test_two_setup_commands_and_ci_runs_the_test_one():
    install_serve, run_tests = _blocks("bash")[:2]
    assert "tract-mcp" in install_serve and "pip install" in install_serve
    assert "pytest" in run_tests
    assert run_tests.strip() in (ROOT / ".ci" / "run").read_text()

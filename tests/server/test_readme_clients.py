"""The README's Claude Desktop entry and `claude mcp add` line start a working server as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from server_helpers import call, user

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def launch(command: str, args: list[str], home: Path) -> StdioServerParameters:
    """Start the server the way a client would: the command found on PATH, the user's HOME."""
    env = {k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return StdioServerParameters(command=str(BIN / command) if (BIN / command).exists() else command,
                                 args=args, env=env)


async def test_claude_desktop_entry(tmp_path):
    config = json.loads(next(b for b in blocks("json") if "mcpServers" in b))
    entry = config["mcpServers"]["tract"]
    assert entry["args"][0] == "--db"  # Claude Desktop does not pass XDG_* through: the store is named
    args = [a.replace("/home/me", str(tmp_path)) for a in entry["args"]]
    async with Client(launch(entry["command"], args, tmp_path)) as c:
        await call(c, "commit", content=user("from Claude Desktop"))
        assert (await call(c, "status"))["commits"] == 1
    assert (tmp_path / ".local" / "share" / "tract-mcp" / "tract.db").exists()


async def test_claude_code_line(tmp_path):
    line = next(b.strip() for b in blocks("bash") if b.strip().startswith("claude mcp add"))
    words = shlex.split(line)
    assert words[:4] == ["claude", "mcp", "add", "tract"] and words[4] == "--"
    assert "--db" in words
    async with Client(launch(words[5], words[6:], tmp_path)) as c:
        assert (await call(c, "status"))["branch"] == "main"
    assert (tmp_path / ".local" / "share" / "tract-mcp" / "tract.db").exists()


def test_help_shows_the_default_store_and_python_m_server_works(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    out = subprocess.run([sys.executable, "-m", "server", "--help"], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert str(tmp_path / "xdg" / "tract-mcp" / "tract.db") in out.replace("\n", "").replace(" ", "")
    out = subprocess.run([str(BIN / "tract-mcp"), "--help"], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "--transport {stdio,sse,http}" in out and "--token" in out

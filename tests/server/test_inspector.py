"""End to end with a real third-party client: the MCP Inspector CLI drives the installed `tract-mcp`
(the README's command as written over stdio, then a whole session over streamable HTTP with a token).

Needs `.ci/node.sh` (npm install of the Inspector into .ci/node/); skipped with the reason when it is
missing, except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_transports import serving

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / ".ci" / "node"
INSPECTOR = NODE / "node_modules" / ".bin" / "mcp-inspector"
BIN = Path(sys.executable).parent
TOKEN = "inspector-token"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def inspector_installed():
    missing = [what for what, ok in [("the MCP Inspector (run .ci/node.sh)", INSPECTOR.exists()),
                                     ("node", shutil.which("node")),
                                     ("the installed tract-mcp script", (BIN / "tract-mcp").exists())]
               if not ok]
    if missing:
        reason = "cannot run the Inspector end-to-end test: missing " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_DATA_HOME", "ANTHROPIC_API_KEY",
                                                           "ANTHROPIC_AUTH_TOKEN")}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", npm_config_offline="true",
               npm_config_update_notifier="false")
    return env


def run(argv: list[str], env: dict[str, str], expect: int = 0):
    proc = subprocess.run(argv, cwd=NODE, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == expect, f"{argv} exited {proc.returncode}: {proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_the_readme_inspector_commands_work_as_written(tmp_path):
    readme = (ROOT / "README.md").read_text()
    list_tools, first_commit = [c.strip() for c in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
                                if "@modelcontextprotocol/inspector" in c]
    listed = run(shlex.split(list_tools), env_for(tmp_path))
    assert {"commit", "compile", "compress", "approve"} <= {t["name"] for t in listed["tools"]}
    made = run(shlex.split(first_commit), env_for(tmp_path))
    assert made["structuredContent"]["content_type"] == "dialogue"
    assert len(made["structuredContent"]["hash"]) == 64
    # the server ran with the defaults: stdio, and the store in the user's data directory
    assert (tmp_path / ".local" / "share" / "tract-mcp" / "tract.db").exists()


def test_a_whole_session_over_http(tmp_path):
    env = env_for(tmp_path)
    with serving("http", str(tmp_path / "t.db"), "--token", TOKEN, program=str(BIN / "tract-mcp")) as base:
        target = [str(INSPECTOR), "--cli", f"{base}/mcp", "--transport", "http",
                  "--header", f"Authorization: Bearer {TOKEN}"]

        def tool(tool_name: str, _expect: int = 0, **args):
            pairs = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in args.items()]
            argv = [*target, "--method", "tools/call", "--tool-name", tool_name]
            return run(argv + (["--tool-arg", *pairs] if pairs else []), env, _expect)

        assert len(run([*target, "--method", "tools/list"], env)["tools"]) == 21   # 20 + policy
        hashes = []
        for role, text in [("user", "Population of Lyon?"), ("assistant", "522,250 (2021), per INSEE."),
                           ("user", "And Grenoble?")]:
            made = tool("commit", content={"content_type": "dialogue", "role": role, "text": text})
            hashes.append(made["structuredContent"]["hash"])
        assert tool("branch", name="explore")["structuredContent"]["head"] == hashes[-1]
        before = tool("compile")["structuredContent"]
        assert [m["role"] for m in before["messages"]] == ["user", "assistant", "user"]
        made = tool("compress", from_commit=hashes[0], to_commit=hashes[1])["structuredContent"]
        assert made["summary_source"] == "agent" and "Population of Lyon?" in made["pending"]["prompts"][0]
        summary = "The user asked for Lyon's population: 522,250 (2021), per INSEE."
        approved = tool("approve", id=made["pending"]["id"], summary=summary)["structuredContent"]
        assert approved["source_hashes"] == hashes[:2]
        after = tool("compile", format="openai")["structuredContent"]
        assert after["messages"][0]["content"].endswith(summary)
        assert after["messages"][1] == {"role": "user", "content": "And Grenoble?"}
        failed = tool("show", 5, hash="abcdef12")
        assert failed["isError"] and "no commit matches" in failed["content"][0]["text"]

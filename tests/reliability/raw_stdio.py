"""A real `tract-mcp` stdio subprocess spoken to in raw JSON-RPC lines, byte for byte as a client
(or an attacker) might write them, with a deadline on every answer."""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ANSWER_WITHIN = 5.0  # seconds


class RawServer:
    def __init__(self, db: Path, *args: str) -> None:
        self.db = db
        self.proc = subprocess.Popen([sys.executable, "-m", "server", "--db", str(db), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._buffer = b""
        self._ids = 0
        self.send_json({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
        assert self.answer(timeout=60)["id"] == "init"  # the first start imports everything
        self.send_json({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, line: bytes | str) -> None:
        data = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def send_json(self, message: Any) -> None:
        self.send(json.dumps(message))  # ensure_ascii: a lone surrogate goes out as "\ud800"

    def answer(self, timeout: float = ANSWER_WITHIN) -> dict:
        """The next line the server writes, within `timeout` seconds (AssertionError otherwise)."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            assert ready, f"no answer within {timeout} s"
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            assert chunk, "the server closed its output"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, method: str, params: dict | None = None) -> dict:
        self._ids += 1
        message = {"jsonrpc": "2.0", "id": self._ids, "method": method}
        if params is not None:
            message["params"] = params
        self.send_json(message)
        got = self.answer()
        assert got["id"] == self._ids, got
        return got

    def call(self, tool: str, **arguments: Any) -> dict:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def rss_kib(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise LookupError(field)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def store_dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a SQLite store, in a stable order: equal dumps, equal stores."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def tool_text(answer: dict) -> str:
    return answer["result"]["content"][0]["text"]

"""With no summarizer given, ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are all it takes: the real SDK
talks to a local HTTP server standing in for the API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from compress_support import open_tract, story


class FakeAPI(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        FakeAPI.seen.append({"path": self.path, "auth": self.headers.get("authorization"),
                             "key": self.headers.get("x-api-key"), "body": body})
        answer = json.dumps({"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                             "content": [{"type": "text", "text": "Ada deployed build 4812."}],
                             "stop_reason": "end_turn", "stop_sequence": None,
                             "usage": {"input_tokens": 1, "output_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = HTTPServer(("127.0.0.1", 0), FakeAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAPI.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_environment_configures_claude_for_compress(api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api)
    monkeypatch.setenv("TRACT_SUMMARY_MODEL", "claude-sonnet-4-6")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    t = open_tract()
    h = story(t)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous")
    [call] = FakeAPI.seen
    assert call["path"] == "/v1/messages" and call["body"]["model"] == "claude-sonnet-4-6"
    assert "sk-from-env" in (call["auth"] or "") + (call["key"] or "")
    assert t.show(result.result_hashes[0]).content.text.endswith("Ada deployed build 4812.")

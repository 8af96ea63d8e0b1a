"""Hostile JSON over a real stdio subprocess: every request gets an answer within 5 s — a JSON-RPC
error carrying its id when the id can be read, or a tool error — and the server keeps serving."""

from __future__ import annotations

import json

import pytest

from tests.reliability.raw_stdio import RawServer, store_dump, tool_text

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602


def call_line(id, arguments: str, tool: str = "commit") -> str:
    """A tools/call written by hand, so that its arguments can be anything at all."""
    return f'{{"jsonrpc":"2.0","id":{json.dumps(id)},"method":"tools/call","params":{{"name":"{tool}",' \
           f'"arguments":{arguments}}}}}'


def nested(levels: int) -> str:
    return '{"content":{"content_type":"freeform","payload":' + "[" * levels + "]" * levels + "}}"


TEXT = '{"content":{"content_type":"dialogue","role":"user","text":%s}}'

HOSTILE = [  # (what, line, the answer's id, its error code)
    ("arguments 200 levels deep", call_line(1, nested(200)), 1, INVALID_PARAMS),
    ("arguments 5,000 levels deep", call_line(2, nested(5000)), 2, PARSE_ERROR),
    ("a lone surrogate in content", call_line(3, TEXT % '"a\\ud800b"'), 3, INVALID_PARAMS),
    ("a lone low surrogate", call_line(4, TEXT % '"\\udfff"'), 4, INVALID_PARAMS),
    ("a lone surrogate in the tract name", call_line(5, '{"tract":"\\ud834"}', "status"), 5, INVALID_PARAMS),
    ("a lone surrogate in the tool name", call_line(6, "{}", "st\\ud800atus"), 6, INVALID_PARAMS),
    ("a lone surrogate in an id", '{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}', None, INVALID_PARAMS),
    ("truncated JSON", call_line(7, TEXT % '"cut')[:-10], 7, PARSE_ERROR),
    ("not JSON at all", "hello, server", None, PARSE_ERROR),
    ("a bare number", "42", None, INVALID_REQUEST),
    ("a batch", '[{"jsonrpc":"2.0","id":8,"method":"ping"}]', None, INVALID_REQUEST),
    ("an empty object", "{}", None, INVALID_REQUEST),
    ("params not an object", '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":"x"}', 9, INVALID_REQUEST),
    ("no jsonrpc version", '{"id":10,"method":"ping"}', 10, INVALID_REQUEST),
    ("an id that is an object", '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', None, INVALID_REQUEST),
    ("an unknown method", '{"jsonrpc":"2.0","id":11,"method":"tools/explode"}', 11, -32601),
]


@pytest.fixture
def server(tmp_path):
    s = RawServer(tmp_path / "t.db")
    yield s
    s.close()


def test_every_hostile_line_is_answered_with_its_id(server):
    server.call("commit", content={"content_type": "dialogue", "role": "user", "text": "before"})
    before = store_dump(server.db)
    for what, line, id, code in HOSTILE:
        server.send(line)
        got = server.answer()  # within 5 s, or the test fails
        assert got.get("id") == id and got["error"]["code"] == code, (what, got)
        assert got["error"]["message"], what
    assert store_dump(server.db) == before  # nothing hostile was written
    assert server.request("ping")["result"] == {}
    assert "before" in tool_text(server.call("log"))


def test_unparsable_notifications_and_client_answers_get_no_answer_but_do_no_harm(server):
    for line in ('{"jsonrpc":"2.0","method":"notifications/cancelled","params":"\\ud800"}',
                 '{"jsonrpc":"2.0","id":99,"result":{"bad":"\\ud800"}}', "", "   "):
        server.send(line)
    assert server.request("ping")["result"] == {}  # the next answer is the ping's


def test_nul_and_unusual_unicode_are_kept_exactly(server):
    text = "nul\x00 zero\u200bwidth rtl\u202e emoji\U0001F600 combining e\u0301 bom\ufeff"
    made = json.loads(tool_text(server.call("commit", content={"content_type": "dialogue", "role": "user",
                                                                "text": text})))
    shown = json.loads(tool_text(server.call("show", hash=made["hash"])))
    assert shown["content"]["text"] == text


def test_invalid_utf8_bytes_are_read_as_replacement_characters(server):
    server.send(b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"commit","arguments":'
                b'{"content":{"content_type":"dialogue","role":"user","text":"bad \xff\xfe byte"}}}}')
    got = server.answer()
    assert got["id"] == 1 and not got["result"].get("isError")
    assert "bad \ufffd\ufffd byte" in tool_text(server.call("log"))


def test_a_line_over_the_request_limit_is_refused_without_being_kept(tmp_path):
    server = RawServer(tmp_path / "t.db", "--max-request-bytes", "1M")
    try:
        # a first commit: the tokenizer, loaded in the background, is in the baseline
        server.call("commit", content={"content_type": "dialogue", "role": "user", "text": "hi"})
        baseline = server.rss_kib("VmHWM")
        big = call_line(77, TEXT % json.dumps("x" * (20 << 20)))  # a 20 MB commit
        server.send(big)
        got = server.answer()
        assert got["id"] == 77 and got["error"]["code"] == INVALID_REQUEST
        assert "over the server's limit of 1,048,576" in got["error"]["message"]
        assert server.rss_kib("VmHWM") < baseline + 32 * 1024  # the line was never held whole
        assert server.request("ping")["result"] == {}
        assert json.loads(tool_text(server.call("status")))["commits"] == 1
    finally:
        server.close()


def test_content_over_the_limit_is_a_tool_error_and_log_stays_small(tmp_path):
    server = RawServer(tmp_path / "t.db", "--max-content-bytes", "256K")
    try:
        got = server.call("commit", content={"content_type": "dialogue", "role": "user", "text": "x" * (1 << 20)})
        assert got["result"]["isError"] and "over this tract's limit of 262,144 bytes" in tool_text(got)
        ok = server.call("commit", content={"content_type": "dialogue", "role": "user", "text": "y" * (200 << 10)})
        assert not ok["result"].get("isError")
        for _ in range(3):
            server.call("commit", content={"content_type": "dialogue", "role": "user", "text": "y" * (200 << 10)})
        log = server.call("log", limit=3)
        assert len(json.dumps(log)) < 3 * 2 * (256 << 10)  # at most 3 commits of at most the limit
    finally:
        server.close()

"""compile(record=True) and replay: what exactly did the model see when it decided?"""

from __future__ import annotations

import json

import pytest
from compress_support import Recorder, open_tract, story

from tract_core import RecordNotFoundError


def wire(ctx) -> bytes:
    return json.dumps(ctx.to_anthropic(), sort_keys=True).encode()


def test_a_recorded_compile_replays_byte_identical_after_compression_and_gc(store_url):
    t = open_tract(store_url, summarizer=Recorder())
    h = story(t)
    ctx = t.compile(record=True)
    assert ctx.record_id is not None
    t.compress(from_commit=h["u1"], to_commit=h["result"], mode="autonomous")
    t.gc(archive_retention_days=0)          # archived sources may go; the young record keeps them
    assert t.show(h["u1"]).content is not None
    t.close()
    again = open_tract(store_url)
    replayed = again.replay(ctx.record_id)
    assert wire(replayed) == wire(ctx) and replayed.messages == ctx.messages
    assert replayed.commit_hashes == ctx.commit_hashes and replayed.head == ctx.head
    assert replayed.token_count == ctx.token_count and replayed.record_id == ctx.record_id
    assert json.dumps(replayed.to_openai()) == json.dumps(ctx.to_openai())
    again.close()


def test_a_reordered_compile_records_the_order_it_sent():
    t = open_tract()
    h = story(t)
    ctx, _ = t.compile(order=[h["u2"]], record=True)
    assert t.replay(ctx.record_id).commit_hashes[0] == h["u2"]
    assert t.replay(ctx.record_id).messages == ctx.messages


def test_an_unknown_record_is_not_found():
    t = open_tract()
    with pytest.raises(RecordNotFoundError):
        t.replay("0" * 32)
    assert t.compile(record=True).record_id is not None     # an empty branch can be recorded too

"""Undoing a compression puts the branch back, keeping what was committed since."""

from __future__ import annotations

import pytest
from compress_support import Recorder, open_tract, story, texts

from tract_core import CompressionError, CompressionNotFoundError, StaleCompressionError


def test_undo_restores_the_pre_compression_tip(t):
    h = story(t)
    before = t.compile()
    result = t.compress(from_commit=h["u1"], to_commit=h["result"], mode="autonomous")
    event = t.undo_compression(result.event_id)
    assert t.status().head == h["u2"] and t.compile() == before
    assert event.kind == "undo" and event.parameters["event"] == result.event_id
    assert event.sources == [result.new_head] and event.results == [h["u2"]]
    assert [e.kind for e in t.operations(limit=2)] == ["undo", "compress"]


def test_undo_reapplies_what_was_committed_after_the_compression(store_url):
    t = open_tract(store_url, summarizer=Recorder())
    h = story(t)
    t.annotate(h["a1"], "pinned")
    pending = t.compress(from_commit=h["u1"], to_commit=h["result"])
    result = pending.approve()
    t.assistant("Error rate: 0.2%.")
    kept_copy = t.log()[-3]
    assert kept_copy.content.text == "Deploying build 4812 now."
    t.commit({"content_type": "dialogue", "role": "assistant", "text": "Deploying build 4813 now."},
             operation="edit", edit_target=kept_copy.hash)
    t.undo_compression(result.event_id)
    assert texts(t) == ["You are a careful release engineer.",
                        "Deploy api-v2 to staging; the config is at /etc/app/config.yaml",
                        "Deploying build 4813 now.", "", "deployed to https://staging.example.com in 93s",
                        "Great. Now check the error rate.", "Error rate: 0.2%."]
    # the edit of the kept copy now edits the original again
    assert t.log()[0].edit_target == h["a1"]
    t.close()


def test_undo_twice_or_of_the_wrong_event_fails_clearly(t):
    h = story(t)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous")
    t.undo_compression(result.event_id)
    with pytest.raises(CompressionError, match="undone already"):
        t.undo_compression(result.event_id)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    compress_event = t.operations(limit=1)[0]
    assert compress_event.parameters["pending"] == pending.id
    with pytest.raises(CompressionNotFoundError):
        t.undo_compression(compress_event.id)      # proposed, never applied
    with pytest.raises(CompressionNotFoundError):
        t.undo_compression("nope")


def test_undo_after_the_branch_was_reset_past_the_result_is_stale(t):
    h = story(t)
    result = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="autonomous")
    t.reset(h["sys"], mode="hard")
    with pytest.raises(StaleCompressionError):
        t.undo_compression(result.event_id)

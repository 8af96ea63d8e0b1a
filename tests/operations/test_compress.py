"""Compression as a user meets it: propose, review, approve or reject, and the branch it leaves."""

from __future__ import annotations

import pytest
from compress_support import Recorder, open_tract, story, texts

from tract_core import (CompressionError, CompressionNotFoundError, CompressResult, PendingCompression,
                        StaleCompressionError)
from tract_core.operations.compress import SUMMARY_HEADER


def test_collaborative_compress_changes_nothing_until_approved(t):
    h = story(t)
    before = t.compile()
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    assert isinstance(pending, PendingCompression) and pending.status == "pending"
    assert t.compile() == before
    assert t.status().pending_compressions == 1
    assert [p.id for p in t.pending_compressions()] == [pending.id]
    assert pending.source_hashes == [h["u1"], h["a1"]]
    assert pending.original_tokens == 9 + 4
    assert pending.summaries == ["The user asked for the report; the assistant sent it."]
    assert pending.summary_tokens == len((SUMMARY_HEADER + pending.summaries[0]).split())
    assert "/etc/app/config.yaml" in pending.lost_facts and "4812" in pending.lost_facts


def test_approve_puts_the_summary_in_place_of_the_range_and_keeps_the_sources(t):
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    result = pending.approve()
    assert isinstance(result, CompressResult) and result.pending_id == pending.id
    assert texts(t) == ["You are a careful release engineer.",
                        SUMMARY_HEADER + "The user asked for the report; the assistant sent it.",
                        "", "deployed to https://staging.example.com in 93s",
                        "Great. Now check the error rate."]
    assert result.new_head == t.status().head and t.status().pending_compressions == 0
    assert result.source_hashes == [h["u1"], h["a1"]] and len(result.result_hashes) == 1
    assert result.original_tokens == 13 and result.ratio == round(result.compressed_tokens / 13, 4)
    assert t.show(h["u1"]).content.text.startswith("Deploy api-v2")   # the source is still stored
    summary = t.show(result.result_hashes[0])
    assert summary.metadata["compression"]["sources"] == [h["u1"], h["a1"]]
    event = t.operations(limit=1)[0]
    assert event.kind == "approve" and event.id == result.event_id
    assert event.sources == [h["u1"], h["a1"]] and event.results == result.result_hashes
    assert event.parameters["old_head"] == h["u2"] and event.parameters["new_head"] == result.new_head


def test_a_pending_compression_survives_a_restart(store_url):
    first = open_tract(store_url, summarizer=Recorder("Ada asked for a deploy of api-v2."))
    h = story(first)
    pending_id = first.compress(from_commit=h["u1"], to_commit=h["result"]).id
    first.close()

    again = open_tract(store_url)        # no summarizer needed to approve
    [pending] = again.pending_compressions()
    assert pending.id == pending_id and pending.summaries == ["Ada asked for a deploy of api-v2."]
    assert again.status().pending_compressions == 1
    result = again.approve_compression(pending_id)
    assert texts(again)[1:] == [SUMMARY_HEADER + "Ada asked for a deploy of api-v2.",
                                "Great. Now check the error rate."]
    again.close()
    third = open_tract(store_url)
    assert third.status().head == result.new_head and third.pending_compressions() == []
    third.close()


def test_edit_summary_is_persisted_and_used_on_approval(t):
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    pending.edit_summary(0, "The user asked to deploy api-v2 (config /etc/app/config.yaml); build 4812.")
    assert "/etc/app/config.yaml" not in pending.lost_facts and "4812" not in pending.lost_facts
    assert t.pending_compressions()[0].summaries == pending.summaries
    pending.approve()
    assert "build 4812." in texts(t)[1]


def test_reject_keeps_the_branch_and_records_why(t):
    h = story(t)
    before = t.compile()
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    rejected = t.reject_compression(pending.id, "drops the build number")
    assert rejected.status == "rejected" and rejected.reason == "drops the build number"
    assert t.compile() == before and t.pending_compressions() == []
    event = t.operations(limit=1)[0]
    assert event.kind == "reject" and event.parameters["reason"] == "drops the build number"
    with pytest.raises(CompressionError, match="already rejected"):
        t.approve_compression(pending.id)
    with pytest.raises(CompressionNotFoundError):
        t.approve_compression("no-such-id")


def test_approving_after_the_branch_moved_on_reapplies_the_new_commits(store_url):
    t = open_tract(store_url, summarizer=Recorder())
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    answer = t.assistant("The error rate is 0.2%.")
    ignored = t.user("ignore this")
    t.annotate(ignored.hash, "skip")
    done = t.approve_compression(pending.id)
    assert texts(t)[-2:] == ["Great. Now check the error rate.", "The error rate is 0.2%."]
    assert len(t.log()) == 7      # sys, summary, call, result, u2, the answer, the skipped turn
    # every commit after the range got a new hash; the result says which
    assert set(done.reapplied) == {h["call"], h["result"], h["u2"], answer.hash, ignored.hash}
    assert t.show(done.reapplied[answer.hash]).content.text == "The error rate is 0.2%."
    assert done.reapplied[ignored.hash] == done.new_head
    t.close()


def test_approving_when_the_range_left_the_branch_is_stale(t):
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    t.reset(h["sys"], mode="hard")
    t.user("a new start")
    with pytest.raises(StaleCompressionError, match="no longer on branch main"):
        pending.approve()
    assert t.pending_compressions()[0].status == "pending"
    assert texts(t) == ["You are a careful release engineer.", "a new start"]


def test_autonomous_applies_at_once(t):
    h = story(t)
    result = t.compress(commits=[h["a1"], h["u1"]], mode="autonomous")
    assert isinstance(result, CompressResult) and result.pending_id is None
    assert t.status().head == result.new_head
    assert t.operations(limit=1)[0].kind == "compress"


def test_manual_takes_the_summary_from_content(t):
    h = story(t)
    with pytest.raises(CompressionError, match="content="):
        t.compress(mode="manual")
    t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="manual", content="Deploy of 4812 started.")
    assert texts(t)[1] == SUMMARY_HEADER + "Deploy of 4812 started."
    assert t.summarizer.prompts == []      # the summarizer was not asked


def test_pinned_commits_stay_verbatim_between_summaries(t):
    h = story(t)
    t.annotate(h["a1"], "pinned")
    result = t.compress(from_commit=h["u1"], to_commit=h["u2"], mode="manual",
                        content=["Ada asked for a deploy.", "It went out; she asked for the error rate."])
    assert texts(t) == ["You are a careful release engineer.", SUMMARY_HEADER + "Ada asked for a deploy.",
                        "Deploying build 4812 now.",
                        SUMMARY_HEADER + "It went out; she asked for the error rate."]
    kept = t.log()[1]
    assert kept.content.text == "Deploying build 4812 now." and kept.priority.value == "pinned"
    assert kept.hash in result.result_hashes and kept.hash != h["a1"]
    with pytest.raises(CompressionError, match="per group"):
        t.compress(mode="manual", content=["only one"])


def test_skipped_commits_are_left_out_of_the_summary(t):
    h = story(t)
    t.annotate(h["a1"], "skip")
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"])
    assert "Deploying build 4812" not in t.summarizer.prompts[0]
    assert pending.groups == [[h["u1"]]] and pending.original_tokens == 9


def test_a_tool_call_and_its_result_are_never_split(t):
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["call"])
    assert pending.source_hashes[-2:] == [h["call"], h["result"]]
    pending = t.compress(from_commit=h["result"], to_commit=h["u2"])
    assert pending.source_hashes == [h["call"], h["result"], h["u2"]]


def test_a_range_follows_the_pairs_compile_sends_when_a_call_id_is_reused(t):
    t.user("find flights")
    c1 = t.tool_call("search_direct", {"to": "NRT"}, "call_0")
    r1 = t.tool_result("call_0", "none")
    u = t.user("try one stop")
    c2 = t.tool_call("search_onestop", {"to": "NRT"}, "call_0")  # the same id again: a new pair
    r2 = t.tool_result("call_0", "one via ICN")
    pending = t.compress(from_commit=c1.hash, to_commit=u.hash)
    assert pending.source_hashes == [c1.hash, r1.hash, u.hash]  # the second pair is not pulled in
    pending = t.compress(from_commit=r1.hash, to_commit=c2.hash)
    assert pending.source_hashes == [c1.hash, r1.hash, u.hash, c2.hash, r2.hash]
    t.annotate(r1.hash, "skip")  # now the result answers nothing before c2: c1 stands alone
    pending = t.compress(from_commit=u.hash, to_commit=c2.hash)
    assert pending.source_hashes == [u.hash, c2.hash, r2.hash]


def test_deferred_compression_takes_the_summary_at_approval(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    t = open_tract()                       # no summarizer at all: the agent writes the summary
    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"], deferred=True)
    assert pending.needs_summary and pending.summaries == [None]
    assert "Deploying build 4812 now." in pending.prompts[0]
    with pytest.raises(CompressionError, match="summaries=") as missing:
        pending.approve()
    assert "approve(id, summary=[...]) over MCP" in str(missing.value)  # the MCP tool's argument
    t.approve_compression(pending.id, summaries="Ada asked for deploy 4812; it started.")
    assert texts(t)[1] == SUMMARY_HEADER + "Ada asked for deploy 4812; it started."
    with pytest.raises(CompressionError, match="collaborative"):
        t.compress(mode="autonomous", deferred=True)


def test_commits_after_the_range_keep_edits_and_priorities(t):
    h = story(t)
    t.annotate(h["a1"], "pinned")
    t.commit({"content_type": "dialogue", "role": "assistant", "text": "Deploying build 4813 now."},
             operation="edit", edit_target=h["a1"])
    t.annotate(h["u2"], "skip")
    t.compress(from_commit=h["u1"], to_commit=h["u1"], mode="manual", content="Ada asked for a deploy.")
    assert texts(t) == ["You are a careful release engineer.", SUMMARY_HEADER + "Ada asked for a deploy.",
                        "Deploying build 4813 now.", "", "deployed to https://staging.example.com in 93s"]


def test_a_later_edit_of_a_summarised_commit_blocks_the_compression(t):
    h = story(t)
    t.commit({"content_type": "dialogue", "role": "user", "text": "Deploy api-v3"}, operation="edit",
             edit_target=h["u1"])
    with pytest.raises(CompressionError, match="edits"):
        t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="manual", content="x")
    t.compress(from_commit=h["u1"], mode="manual", content="Ada asked for api-v3.")
    assert texts(t)[1] == SUMMARY_HEADER + "Ada asked for api-v3."


def test_bad_arguments_say_what_to_do(t):
    h = story(t)
    with pytest.raises(CompressionError, match="swap"):
        t.compress(from_commit=h["u2"], to_commit=h["u1"])
    with pytest.raises(CompressionError, match="PINNED or SKIP"):
        t.compress(commits=[h["sys"]])
    from tract_core import InvalidOperationError
    with pytest.raises(InvalidOperationError, match="mode"):
        t.compress(mode="eager")


def test_a_detached_head_cannot_be_compressed(t):
    from tract_core import DetachedHeadError

    h = story(t)
    t.checkout(h["a1"])
    with pytest.raises(DetachedHeadError):
        t.compress(mode="manual", content="x")


def test_commits_must_be_consecutive(t):
    h = story(t)
    with pytest.raises(CompressionError, match="consecutive"):
        t.compress(commits=[h["u1"], h["call"]], mode="manual", content="x")
    pending = t.compress(commits=[h["a1"][:10], h["u1"]])
    assert pending.source_hashes == [h["u1"], h["a1"]]


def test_a_deferred_compression_can_be_filled_in_before_approval(t):
    from tract_core import InvalidOperationError

    h = story(t)
    pending = t.compress(from_commit=h["u1"], to_commit=h["a1"], deferred=True)
    assert "4812" in pending.lost_facts            # nothing written yet: every fact is missing
    with pytest.raises(InvalidOperationError, match="out of range"):
        pending.edit_summary(1, "no such group")
    with pytest.raises(CompressionError, match="cannot be empty"):
        pending.edit_summary(0, "  ")
    pending.edit_summary(0, "Ada asked to deploy build 4812.")
    assert not pending.needs_summary and "4812" not in pending.lost_facts
    with pytest.raises(CompressionError, match="needs 1 summaries"):
        pending.approve(summaries=["one", "two"])
    pending.approve()
    assert texts(t)[1] == SUMMARY_HEADER + "Ada asked to deploy build 4812."


def test_compress_a_branch_other_than_the_current_one(t):
    h = story(t)
    t.branch("archive")
    t.branch("work", switch=True)
    done = t.compress(from_commit=h["u1"], to_commit=h["a1"], mode="manual",
                      content="The user asked for a staging deploy of build 4812.", branch="archive")
    assert done.branch == "archive"
    assert t.status().branch == "work" and len(t.compile().messages) == len(h)  # untouched
    archived = [m.content for m in t.compile(at_commit="archive").messages]
    assert archived[1].endswith("The user asked for a staging deploy of build 4812.")

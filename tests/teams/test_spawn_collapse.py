"""Spawn a child from a parent, work in it, and collapse its work back as one commit."""

from __future__ import annotations

import pytest

from tract_core import Session, Tract
from tract_core.errors import CollapseError, InvalidOperationError


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def _lead(url=":memory:"):
    s = Session.open(url, counter=WordCounter())
    lead = s.tract("lead")
    lead.system("You coordinate a review.")
    lead.user("Review the parser.")
    return s, lead


def _texts(t: Tract) -> list[str]:
    return [m.content for m in t.compile().messages]


def test_head_snapshot_child_sees_the_parents_context_pinned_and_its_purpose(store_url):
    s, lead = _lead(store_url)
    with s:
        child = lead.spawn("lead/parser", purpose="read parser.py")
        texts = _texts(child)
        assert "Review the parser." in texts[0] and texts[1] == "Your task: read parser.py"
        assert [c.priority.value for c in child.log()] == ["pinned", "pinned"]
        assert child.parent().tract_id == "lead" and lead.children() == ["lead/parser"]
        assert "lead/parser" in s.tracts()  # the child joins the parent's session
        assert len(lead.log()) == 2  # the parent is untouched


def test_full_clone_shares_blobs_and_selective_keeps_pinned_plus_the_named_commits():
    s, lead = _lead()
    with s:
        extra = lead.assistant("I will start with the lexer.")
        lead.user("Skip the tests folder.")
        clone = lead.spawn("clone", purpose="p", inherit="full_clone")
        assert [c.content_hash for c in clone.log()[::-1][:4]] == [c.content_hash for c in lead.log()[::-1]]
        sel = lead.spawn("sel", purpose="p", inherit="selective", commits=[extra.hash])
        assert _texts(sel) == ["You coordinate a review.", "I will start with the lexer.", "Your task: p"]
        with pytest.raises(InvalidOperationError, match="selective"):
            lead.spawn("bad", purpose="p", inherit="selective")
        with pytest.raises(InvalidOperationError, match="exists already"):
            lead.spawn("sel", purpose="p")
        with pytest.raises(InvalidOperationError, match="inherit mode"):
            lead.spawn("x", purpose="p", inherit="copy")


def test_collaborative_collapse_waits_for_approval_then_applies_once(store_url):
    s, lead = _lead(store_url)
    with s:
        child = lead.spawn("lead/parser", purpose="read parser.py")
        child.user("look at line 40")
        child.assistant("Line 40 drops the last token; fix: use <= in the loop.")
        before = lead.compile()
        pending = child.collapse(requested_by="parser-agent")
        assert lead.compile() == before  # nothing changes before approval
        queued = s.approvals()
        assert [a.id for a in queued] == [pending.id]
        assert queued[0].kind == "collapse" and queued[0].requested_by == "parser-agent"
        assert "Line 40 drops the last token" in queued[0].preview["text"]
        with pytest.raises(CollapseError, match="waiting for approval"):
            child.collapse()
        decided = s.approve(pending.id, decided_by="alice")
        assert decided.status == "approved" and decided.decided_by == "alice"
        texts = _texts(lead)
        assert len(texts) == 3 and texts[-1].startswith("[Report from lead/parser: read parser.py]")
        report = lead.log(1)[0]
        assert report.metadata["collapse"]["child"] == "lead/parser"
        assert len(child.log()) == 4  # the child's history stays
        with pytest.raises(CollapseError, match="collapsed into 'lead' already"):
            child.collapse(mode="autonomous")
        assert s.approvals() == []


def test_a_rejected_collapse_changes_nothing_and_the_child_may_collapse_again(store_url):
    s, lead = _lead(store_url)
    with s:
        child = lead.spawn("c", purpose="p")
        child.assistant("done")
        before, log_before = lead.compile(), lead.log()
        pending = child.collapse()
        rejected = lead.reject(pending.id, decided_by="bob", reason="too vague")
        assert rejected.status == "rejected" and rejected.reason == "too vague"
        assert lead.compile() == before and lead.log() == log_before
        assert lead.approvals(status="rejected")[0].id == pending.id
        commit = child.collapse(summary="Parser fixed at line 40.", mode="manual")
        assert lead.log(1)[0].hash == commit
        assert _texts(lead)[-1].endswith("Parser fixed at line 40.")


def test_collapse_uses_the_summarizer_when_one_is_set_and_refuses_bad_input():
    calls = []

    def summarizer(system, prompt):
        calls.append(prompt)
        return "Summary: parser fixed."
    s = Session.open(":memory:", counter=WordCounter(), summarizer=summarizer)
    with s:
        lead = s.tract("lead")
        lead.system("coordinate")
        child = lead.spawn("c", purpose="p")
        child.user("work on it")
        child.collapse(mode="autonomous")
        assert calls and _texts(lead)[-1].endswith("Summary: parser fixed.")
        lone = s.tract("lone")
        with pytest.raises(CollapseError, match="not spawned"):
            lone.collapse(summary="x")
        with pytest.raises(InvalidOperationError, match="collapse mode"):
            lead.spawn("d", purpose="p").collapse(mode="later")


def test_collapse_without_any_output_asks_for_a_summary():
    s, lead = _lead()
    with s:
        child = lead.spawn("c", purpose="p")
        with pytest.raises(CollapseError, match="give summary="):
            child.collapse(mode="autonomous")
        with pytest.raises(CollapseError, match="manual"):
            child.collapse(mode="manual")


def test_collapsing_into_a_parent_reset_past_the_spawn_point_is_refused(store_url):
    s, lead = _lead(store_url)
    with s:
        child = lead.spawn("lead/late", purpose="check the parser")
        child.assistant("The parser is fine.")
        pending = child.collapse()
        lead.reset("HEAD~1", mode="hard")   # the turn the child was spawned after is gone from lead
        before = lead.log()
        with pytest.raises(CollapseError, match="spawned from"):
            s.approve(pending.id)
        assert lead.log() == before and [a.id for a in s.approvals()] == [pending.id]
        s.reject(pending.id, reason="lead moved back")
        with pytest.raises(CollapseError, match="spawned from"):
            child.collapse(mode="autonomous")
        lead.user("Review the parser again.")      # moving on from an older point is no way back either
        with pytest.raises(CollapseError, match="spawned from"):
            child.collapse(mode="autonomous")


@pytest.mark.parametrize("summarized", [True, False])
def test_a_parent_compressed_past_the_spawn_point_still_takes_the_report(store_url, summarized):
    s, lead = _lead(store_url)
    with s:
        lead.assistant("I will ask a checker.")
        child = lead.spawn("lead/checker", purpose="check")
        child.assistant("Checked: fine.")
        lead.user("meanwhile, more work")
        first, last = (lead.log()[-2].hash, lead.log()[1].hash) if summarized else (lead.log()[-2].hash,) * 2
        lead.compress(from_commit=first, to_commit=last, mode="manual", content="They reviewed the parser.")
        commit = child.collapse(mode="autonomous")
        assert lead.log(1)[0].hash == commit

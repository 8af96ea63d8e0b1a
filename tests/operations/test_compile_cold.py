"""What makes a cold compile (a new process, no cache) quick keeps it exact: bodies parsed in one pass
give what `json.loads` gives, a full build equals the build one commit at a time, and what a build
keeps is handed to the collector's oldest generation without touching anything the process froze."""

from __future__ import annotations

import dataclasses
import gc
import json

import pytest

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.operations.assemble import Assembled
from tract_core.operations.compile_state import gc_paused, load_body, loads_all
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import RefView
from tract_core.storage.rows import CommitRow

ODD_BODIES = ['{"text":"lone \\ud800 surrogate"}', '{"n":123456789012345678901234567890,"x":-0.0}',
              '{"a":1,"a":2}', '{"f":1e400,"g":NaN}', '{"t":"\\u00e9 é \\ud83d\\ude00"}', '[]', '"s"']


def test_bodies_parse_to_what_json_loads_gives():
    expected = [json.loads(b) for b in ODD_BODIES]
    assert repr(loads_all(ODD_BODIES)) == repr(expected)
    assert [repr(load_body(b)) for b in ODD_BODIES] == [repr(e) for e in expected]


@pytest.mark.parametrize("bad", ['{"a":1', '{"a":1},{"b":2}', "", '{"a":"\x00"}', "\ufeff{}"])
def test_a_body_that_is_no_json_fails_as_json_loads_fails(bad):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(bad)
    with pytest.raises(json.JSONDecodeError) as one:
        load_body(bad)
    with pytest.raises(json.JSONDecodeError) as many:
        loads_all(['{"ok":1}', bad, '{"ok":2}'])
    assert str(one.value) == str(many.value) == str(expected.value)


def test_a_full_build_equals_the_build_one_commit_at_a_time(mem):
    mem.system("be brief")
    mem.commit({"content_type": "tools", "tools": [{"name": "search", "description": "find",
                                                     "input_schema": {"type": "object"}}]})
    q = mem.user("first question")
    mem.tool_call("search", {"q": 1}, "c1")
    mem.tool_result("c1", "found")
    mem.tool_result("nobody", "orphan")
    mem.commit({"content_type": "dialogue", "role": "user", "text": "edited"}, operation="edit", edit_target=q.hash)
    mem.branch("side", switch=True)
    mem.assistant("on side")
    mem.switch("main")
    mem.user("on main")
    mem.merge("side")
    mem.commit({"content_type": "settings", "temperature": 0.2})
    mem.annotate(q.hash, "pinned")
    incremental = mem.compile()  # the cache grew with every commit (commit warnings compile too)
    with mem.store.read() as tx:
        full = Compiler(mem.repo, snapshots=False).compile(tx, RefView.read(tx, mem.tract_id).head)
    assert full.model_dump() == incremental.model_dump()
    assert [m.content for m in full.messages][:2] == ["be brief", "edited"]


def test_commit_rows_of_a_tract_read_whole_carry_every_column(store_url):
    with Tract.open(store_url, "rows", counter=WordCounter()) as t:
        a = t.user("a", metadata={"k": 1}, message="why").hash
        b = t.assistant("b").hash
        with t.store.read() as tx:
            scanned = {r.hash: r for r in tx.ancestors("rows", b)}
            one = {h: tx.get_commit("rows", h) for h in (a, b)}
    assert scanned == one
    assert scanned[b].parents == [a] and json.loads(scanned[a].meta) == {"k": 1} and scanned[a].message == "why"


def test_what_a_build_keeps_goes_to_the_oldest_generation():
    with gc_paused(keep=True):
        kept = [CommitRow(str(i), "t", [], "append", None, None, None, None, 0, i) for i in range(1000)]
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(r) in oldest for r in kept[::100])
    assert gc.isenabled()


def test_objects_the_process_froze_stay_frozen():
    frozen = [[i] for i in range(10)]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with gc_paused(keep=True):
            [[i] for i in range(100)]
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
    assert frozen


def test_an_output_moved_to_another_head_shares_every_field():
    out = Assembled("a", *([] for _ in range(3)), 5, [], [], annotation_id=7)
    moved = out.moved_to("b")
    assert dataclasses.replace(out, head="b") == moved
    assert all(getattr(moved, f.name) is getattr(out, f.name)
               for f in dataclasses.fields(Assembled) if f.name != "head")


def test_the_compile_after_a_tool_result_reuses_what_its_warning_check_built(mem, monkeypatch):
    from tract_core.operations import compiler as compiler_module
    mem.user("question")
    mem.compile()
    extended = []
    real = compiler_module.extend_assembled
    monkeypatch.setattr(compiler_module, "extend_assembled", lambda *a: extended.append(a[1].head) or real(*a))
    mem.assistant("let me look")
    mem.tool_call("search", {"q": 1}, "c1")
    result = mem.tool_result("c1", "found")
    orphan = mem.tool_result("nobody", "lost")
    assert result.warnings == [] and "answers no call" in orphan.warnings[0]
    checked = list(extended)
    assert len(checked) == 4  # the warning checks extended the output one commit at a time
    assert [m.content for m in mem.compile().messages] == ["question", "let me look", "", "found"]
    assert extended == checked  # and the compile found it done

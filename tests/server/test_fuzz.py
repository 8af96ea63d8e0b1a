"""Hundreds of malformed argument sets across every tool: each call answers within 5 s with a tool
error or a result that matches the tool's output schema, a failed call changes nothing in the store,
and the server keeps answering. (The same over a real stdio subprocess: tests/reliability.)"""

from __future__ import annotations

import time

import anyio.from_thread
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from server_helpers import WordCounter

from server.app import build_server
from server.pool import TractPool
from tests.reliability.hostile import names as hostile_names, shallow_deep as deep, strings
from tests.reliability.raw_stdio import store_dump


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz") / "t.db"
    pool = TractPool.open(str(db), counter=WordCounter())
    t = pool.get("default")
    t.system("Be terse.")
    seeded = [t.user(f"turn {i}").hash for i in range(3)]
    server = build_server(pool)
    with anyio.from_thread.start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(Client(server)) as client:
            tools = {x.name: x for x in portal.call(client.list_tools).tools}
            yield portal, client, tools, seeded, db
    pool.close()


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["", "main", "default", "HEAD", "0000", "skip",
                                                           "pinned", "ours", "hard", "openai", "zz"]),
                    strings)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)
content_like = st.fixed_dictionaries({"content_type": st.sampled_from(
    ["dialogue", "instruction", "tool_io", "artifact", "freeform", "nope", ""])},
    optional={"role": st.sampled_from(["user", "assistant", "bot", 3]), "text": st.one_of(values, strings),
              "payload": st.one_of(values, deep), "call_id": values, "direction": values, "name": values})


@st.composite
def tool_calls(draw, names, properties):
    name = draw(st.sampled_from(names))
    keys = properties[name] + ["bogus", "extra"]
    args = draw(st.dictionaries(st.sampled_from(keys), values, max_size=4))
    if name == "commit" and draw(st.booleans()):
        args["content"] = draw(content_like)
    if "tract" in properties[name] and draw(st.booleans()):
        args["tract"] = draw(hostile_names)
    for key in ("branch", "name", "start", "hash", "target") if draw(st.booleans()) else ():
        if key in properties[name]:
            args[key] = draw(hostile_names)
    if "metadata" in properties[name] and draw(st.integers(0, 4)) == 0:
        args["metadata"] = {"deep": draw(deep)}
    return name, args


def test_malformed_arguments_never_break_the_server(session):
    portal, client, tools, seeded, db = session
    names = sorted(tools)
    properties = {n: sorted(t.input_schema.get("properties", {})) for n, t in tools.items()}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(tool_calls(names, properties))
    def one_call(call):
        name, args = call
        before = store_dump(db)
        started = time.monotonic()
        result = portal.call(client.call_tool, name, args)
        assert time.monotonic() - started < 5, (name, args)
        if result.is_error:
            # an anticipated error carries a message; a crash would be the bare SDK text
            assert result.content[0].text != f"Error executing tool {name}", (name, args)
            assert store_dump(db) == before, (name, args, result.content[0].text)
        elif tools[name].output_schema:
            jsonschema.validate(result.structured_content, tools[name].output_schema)

    one_call()
    status = portal.call(client.call_tool, "status", {})
    assert not status.is_error
    assert seeded[0].startswith(portal.call(client.call_tool, "show", {"hash": seeded[0]}).structured_content["hash"])


HUGE = "x" * (20 << 20)  # 20 MB


@pytest.mark.parametrize("name, args", [
    ("commit", {"content": {"content_type": "dialogue", "role": "user", "text": HUGE}}),
    ("commit", {"content": {"content_type": "dialogue", "role": "user", "text": "hi"}, "message": HUGE}),
    ("commit", {"content": {"content_type": "freeform", "payload": {"blob": HUGE}}}),
    ("commit", {"content": {"content_type": "dialogue", "role": "user", "text": "hi"}, "tract": HUGE}),
    ("show", {"hash": HUGE}), ("branch", {"name": HUGE}), ("log", {"branch": HUGE}),
    ("annotate", {"hash": "HEAD", "priority": "skip", "reason": HUGE}),
    ("compress", {"mode": "manual", "content": HUGE}), ("compress", {"instructions": HUGE}),
])
def test_twenty_megabytes_anywhere_is_refused_quickly_and_writes_nothing(session, name, args):
    portal, client, tools, seeded, db = session
    before = store_dump(db)
    started = time.monotonic()
    result = portal.call(client.call_tool, name, args)
    assert time.monotonic() - started < 5
    assert result.is_error and len(result.content[0].text) < 1000  # the value is not echoed back
    assert store_dump(db) == before


def test_resources_and_prompts_with_hostile_arguments(session):
    """Resource URIs and prompt arguments built from hostile names: a result or a protocol error,
    never a crash, and nothing written."""
    portal, client, tools, seeded, db = session
    before = store_dump(db)

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.sampled_from(["log", "compiled", "pending", "commits/{}"]), hostile_names, strings,
           st.sampled_from(["compress-review", "summarize"]))
    def one_read(kind, name, text, prompt):
        uri = f"tract://{name}/{kind.format(text)}"
        started = time.monotonic()
        try:
            portal.call(client.read_resource, uri)
        except Exception as err:  # an error answer: it says something
            assert str(err), uri
        try:
            portal.call(client.get_prompt, prompt, {"tract": name, "id": text, "commits": text})
        except Exception as err:
            assert str(err), (prompt, name, text)
        assert time.monotonic() - started < 5

    one_read()
    assert store_dump(db) == before

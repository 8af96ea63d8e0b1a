"""Hundreds of malformed argument sets across every tool: each call answers with a tool error or a
result that matches the tool's output schema, and the server keeps answering."""

from __future__ import annotations

import anyio.from_thread
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from server_helpers import WordCounter

from server.app import build_server
from server.pool import TractPool


@pytest.fixture(scope="module")
def session():
    pool = TractPool.open(":memory:", counter=WordCounter())
    t = pool.get("default")
    t.system("Be terse.")
    seeded = [t.user(f"turn {i}").hash for i in range(3)]
    server = build_server(pool)
    with anyio.from_thread.start_blocking_portal() as portal:
        with portal.wrap_async_context_manager(Client(server)) as client:
            tools = {x.name: x for x in portal.call(client.list_tools).tools}
            yield portal, client, tools, seeded
    pool.close()


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["", "main", "default", "HEAD", "0000", "skip",
                                                           "pinned", "ours", "hard", "openai", "zz"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)
content_like = st.fixed_dictionaries({"content_type": st.sampled_from(
    ["dialogue", "instruction", "tool_io", "artifact", "freeform", "nope", ""])},
    optional={"role": st.sampled_from(["user", "assistant", "bot", 3]), "text": values,
              "payload": values, "call_id": values, "direction": values, "name": values})


@st.composite
def tool_calls(draw, names, properties):
    name = draw(st.sampled_from(names))
    keys = properties[name] + ["bogus", "extra"]
    args = draw(st.dictionaries(st.sampled_from(keys), values, max_size=4))
    if name == "commit" and draw(st.booleans()):
        args["content"] = draw(content_like)
    return name, args


def test_malformed_arguments_never_break_the_server(session):
    portal, client, tools, seeded = session
    names = sorted(tools)
    properties = {n: sorted(t.input_schema.get("properties", {})) for n, t in tools.items()}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(tool_calls(names, properties))
    def one_call(call):
        name, args = call
        result = portal.call(client.call_tool, name, args)
        if result.is_error:
            # an anticipated error carries a message; a crash would be the bare SDK text
            assert result.content[0].text != f"Error executing tool {name}", (name, args)
        elif tools[name].output_schema:
            jsonschema.validate(result.structured_content, tools[name].output_schema)

    one_call()
    status = portal.call(client.call_tool, "status", {})
    assert not status.is_error
    assert seeded[0].startswith(portal.call(client.call_tool, "show", {"hash": seeded[0]}).structured_content["hash"])

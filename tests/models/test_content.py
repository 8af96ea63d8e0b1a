"""Content kinds: validation with field-naming errors, custom kinds that survive a reopen."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel

from tract_core import ContentValidationError, Dialogue, Tract, ToolIO
from tract_core.errors import UnknownContentTypeError
from tract_core.models import ContentRegistry, StoredContent


def test_plain_dict_becomes_the_kind_it_names():
    reg = ContentRegistry()
    content = reg.validate({"content_type": "dialogue", "role": "user", "text": "hi"})
    assert isinstance(content, Dialogue) and content.role == "user"


@pytest.mark.parametrize("bad, field", [
    ({"content_type": "dialogue", "role": "robot", "text": "x"}, "role"),
    ({"content_type": "dialogue", "role": "user"}, "text"),
    ({"content_type": "tool_io", "tool_name": "t", "call_id": "", "direction": "call"}, "call_id"),
    ({"content_type": "tool_io", "tool_name": "t", "call_id": "c", "direction": "sideways"}, "direction"),
    ({"content_type": "instruction", "text": "x", "extra": 1}, "extra"),
    ({"role": "user", "text": "x"}, "content_type"),
])
def test_invalid_content_names_the_field(bad, field):
    with pytest.raises(ContentValidationError) as err:
        ContentRegistry().validate(bad)
    assert err.value.field == field
    assert field in str(err.value)


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(UnknownContentTypeError, match="register_content_type"):
        ContentRegistry().validate({"content_type": "poem", "text": "x"})


def test_models_and_dicts_hash_the_same(mem):
    a = mem.commit(ToolIO(tool_name="search", call_id="c1", direction="call", arguments={"q": 1}))
    b = mem.commit({"content_type": "tool_io", "tool_name": "search", "call_id": "c1",
                    "direction": "call", "arguments": {"q": 1}})
    assert a.content_hash == b.content_hash and a.hash != b.hash


class Plan(BaseModel):
    content_type: Literal["plan"] = "plan"
    steps: list[str]
    text: str = ""


def test_custom_kind_persists_across_reopen(sqlite_url):
    t = Tract.open(sqlite_url)
    t.register_content_type("plan", Plan)
    c = t.commit({"content_type": "plan", "steps": ["read", "write"], "text": "two steps"})
    assert isinstance(c.content, Plan)
    t.close()

    again = Tract.open(sqlite_url)   # the Python class is not registered in this tract object
    shown = again.show(c.hash)
    assert isinstance(shown.content, StoredContent) and shown.content.steps == ["read", "write"]
    again.commit({"content_type": "plan", "steps": ["more"]})
    with pytest.raises(ContentValidationError, match="steps"):
        again.commit({"content_type": "plan", "steps": "not a list"})
    assert again.compile().messages[0].content == "two steps"
    again.close()


def test_register_rejects_builtin_names_and_mismatched_models(mem):
    with pytest.raises(ContentValidationError):
        mem.register_content_type("dialogue", Plan)
    with pytest.raises(ContentValidationError, match="Literal"):
        mem.register_content_type("other", Plan)


def test_a_kind_the_store_failed_to_save_is_not_known(mem, monkeypatch):
    from tract_core import StorageError
    from tract_core.storage import Txn

    def broken(self, *a, **k):
        raise StorageError("disk full")

    monkeypatch.setattr(Txn, "save_content_type", broken)
    with pytest.raises(StorageError):
        mem.register_content_type("plan", Plan)
    with pytest.raises(UnknownContentTypeError):
        mem.commit({"content_type": "plan", "steps": []})

"""A commit is named by the sha256 of the canonical JSON of its fields: the text written out field by
field is exactly `canonical_json` of them, for any values a commit can hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tract_core.models.registry import canonical_json
from tract_core.operations.hashing import commit_hash, commit_json, sha256_hex

hexes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
texts = st.text(max_size=40) | st.just('quote " backslash \\ newline \n tab \t é 東 \u2028 \x7f \x01')
metadata = st.none() | st.dictionaries(st.text(max_size=8), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6), max_size=4)


def reference(**fields) -> str:
    return canonical_json({
        "tract": fields["tract_id"], "content": fields["content_hash"], "parents": fields["parents"],
        "operation": fields["operation"], "edit_target": fields["edit_target"], "message": fields["message"],
        "metadata": fields["metadata"] or {}, "created_us": fields["created_us"]})


@settings(max_examples=400, deadline=None)
@given(tract_id=texts, content_hash=st.none() | hexes, parents=st.lists(hexes | texts, max_size=3),
       operation=st.sampled_from(["append", "edit", "merge"]) | texts, edit_target=st.none() | hexes,
       message=st.none() | texts, metadata=metadata, created_us=st.integers(-2 ** 70, 2 ** 70))
def test_the_commit_json_is_the_canonical_json_of_its_fields(**fields):
    assert commit_json(**fields) == reference(**fields)
    assert commit_hash(**fields) == sha256_hex(reference(**fields))

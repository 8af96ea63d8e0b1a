"""Text that cannot be stored or hashed as given (a lone UTF-16 surrogate, which has no UTF-8 form;
a NUL, which PostgreSQL text cannot hold) is refused with a TractError, on both engines, and
nothing is written."""

from __future__ import annotations

import pytest

from tests.conftest import WordCounter
from tract_core import Tract, TractError
from tract_core.errors import ContentValidationError, IdempotencyKeyError, InvalidOperationError
from tract_core.idempotency import IdempotencyKeys

LONE = "a\ud800b"


@pytest.fixture
def tract(store_url):
    t = Tract.open(store_url, counter=WordCounter())
    yield t
    t.close()


@pytest.mark.parametrize("call, error", [
    (lambda t: t.user(LONE), ContentValidationError),
    (lambda t: t.tool_call("search", {"q": LONE}, call_id="c1"), ContentValidationError),
    (lambda t: t.user("ok", message=LONE), InvalidOperationError),
    (lambda t: t.user("ok", metadata={"k": LONE}), InvalidOperationError),
], ids=["content", "tool arguments", "message", "metadata"])
def test_a_lone_surrogate_is_refused_and_nothing_is_written(tract, call, error):
    tract.user("first")
    before = tract.status()
    with pytest.raises(error, match="surrogate"):
        call(tract)
    assert tract.status() == before


@pytest.mark.parametrize("key", ["k\x00", "k\ud800"])
def test_an_idempotency_key_the_store_cannot_keep_is_refused(tract, key):
    keys = IdempotencyKeys(tract.store)
    with pytest.raises(IdempotencyKeyError):
        keys.run("default", key, "commit", {}, lambda: "never")
    assert keys.run("default", "fine", "commit", {}, lambda: "once") == ("once", False)


def test_every_refusal_is_a_tract_error():
    assert issubclass(IdempotencyKeyError, TractError) and issubclass(ContentValidationError, TractError)

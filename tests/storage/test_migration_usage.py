"""Revision 0007: a store whose compile records were written before it upgrades with them intact;
they replay (with no tools or settings), and usage reports can be recorded against them."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from tests.conftest import WordCounter
from tests.storage.test_migrations import CHILD, ROOT, write_revision_0001_data
from tract_core import Settings, Tract
from tract_core.storage import Store
from tract_core.storage.engine import current_revision, head_revision

# sha256 of the canonical JSON of the two messages the 0001-era rows render to: what a 0005-era
# compile(record=True) stored (the same content twice: both commits share one blob)
MESSAGE = {"commit_hash": None, "content": "hello old world", "is_error": False, "role": "user",
           "tool_call_id": None, "tool_calls": []}


def _messages_hash() -> str:
    import hashlib

    messages = [dict(MESSAGE, commit_hash=ROOT), dict(MESSAGE, commit_hash=CHILD)]
    body = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def test_a_store_with_records_from_before_0007_upgrades_and_replays_them(store_url):
    old = Store(store_url, migrate_to="0005")
    assert "usage_observations" not in inspect(old.engine).get_table_names()
    write_revision_0001_data(old)
    with old.engine.connect().execution_options(tract_write=True) as conn, conn.begin():
        conn.execute(text(
            "INSERT INTO compile_records (id, tract_id, head, entries, token_count, messages_hash, created_us)"
            " VALUES ('r1', 'old', :head, :entries, 6, :mh, 5000)"),
            {"head": CHILD, "entries": json.dumps([ROOT, CHILD]), "mh": _messages_hash()})
    old.close()

    with Tract.open(store_url, "old", counter=WordCounter()) as t:
        assert current_revision(t.store.engine) == head_revision()
        replayed = t.replay("r1")
        assert [m.content for m in replayed.messages] == ["hello old world"] * 2
        assert replayed.tools == [] and replayed.settings is None and replayed.token_count == 6
        assert t.record_usage("r1", 9) == 1.5
        t.commit(Settings(model="m"))
        assert t.replay(t.compile(record=True).record_id).settings.model == "m"

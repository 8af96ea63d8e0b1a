"""commit_many: several turns committed in order as one transaction, all or nothing."""

from __future__ import annotations

import pytest

from tests.conftest import WordCounter
from tract_core import ContentValidationError, InvalidOperationError, Tract
from tract_core.storage.store import Txn

CALL = {"content_type": "tool_io", "tool_name": "grep", "call_id": "c1", "direction": "call",
        "arguments": {"pattern": "TODO"}}
RESULT = {"content_type": "tool_io", "tool_name": "grep", "call_id": "c1", "direction": "result",
          "result": "3 matches"}


def _count(t: Tract) -> int:
    with t.store.read() as tx:
        return tx.count_commits(t.tract_id)


def test_a_batch_is_committed_in_order_on_the_branch(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        first = t.user("find the TODOs")
        made = t.commit_many([CALL, RESULT, {"content_type": "dialogue", "role": "assistant",
                                             "text": "three"}])
        assert [c.parents for c in made] == [[first.hash], [made[0].hash], [made[1].hash]]
        assert [c.hash for c in t.log()] == [c.hash for c in made[::-1]] + [first.hash]
        assert made[0].created_at < made[1].created_at < made[2].created_at
        assert [m.role for m in t.compile().messages] == ["user", "assistant", "tool", "assistant"]


def test_a_result_answering_no_call_in_the_batch_carries_a_warning(mem):
    made = mem.commit_many([RESULT, CALL, RESULT])
    assert "answers no call" in made[0].warnings[0]
    assert made[1].warnings == [] and made[2].warnings == []


def test_a_batch_on_another_branch_leaves_the_current_one_alone(store_url):
    with Tract.open(store_url, counter=WordCounter()) as t:
        base = t.user("start")
        t.branch("side")
        made = t.commit_many([CALL, RESULT], branch="side")
        assert t.status().head == base.hash
        assert [c.hash for c in t.log(branch="side")][:2] == [made[1].hash, made[0].hash]


def test_a_failure_mid_batch_writes_nothing(store_url, monkeypatch):
    with Tract.open(store_url, counter=WordCounter()) as t:
        before = t.user("before").hash
        calls = []

        def failing(self, rows):  # the first commit of the batch is written, then the disk fails
            calls.extend(r.hash for r in rows[:2])
            self.insert_commit(rows[0])
            raise RuntimeError("the disk went away")

        monkeypatch.setattr(Txn, "insert_commits", failing)
        with pytest.raises(RuntimeError, match="disk went away"):
            t.commit_many([CALL, RESULT, {"content_type": "reasoning", "text": "never"}])
        monkeypatch.undo()
        assert len(calls) == 2
        assert t.status().head == before and _count(t) == 1
        with t.store.read() as tx:
            assert tx.get_commit(t.tract_id, calls[0]) is None
        assert t.search("TODO", all_branches=True) == []  # nor its index entry
        assert len(t.commit_many([CALL, RESULT])) == 2 and _count(t) == 3
        assert len(t.search("TODO")) == 1


def test_bad_content_anywhere_in_the_batch_is_refused_before_writing(mem):
    mem.user("before")
    with pytest.raises(ContentValidationError, match="#1 of the batch"):
        mem.commit_many([CALL, {"content_type": "dialogue", "role": "robot", "text": "x"}])
    for bad in ([], "text", {"content_type": "reasoning", "text": "x"}, None):
        with pytest.raises(InvalidOperationError):
            mem.commit_many(bad)
    assert len(mem.log()) == 1


def test_concurrent_batches_never_interleave(store_url):
    """Writers racing on one branch: every batch lands whole, its turns next to each other."""
    import threading

    Tract.open(store_url, counter=WordCounter()).close()
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            with Tract.open(store_url, counter=WordCounter()) as t:
                for i in range(8):
                    call = dict(CALL, call_id=f"w{k}-{i}")
                    t.commit_many([call, dict(RESULT, call_id=f"w{k}-{i}")])
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Tract.open(store_url, counter=WordCounter()) as t:
        ids = [(c.content.direction, c.content.call_id) for c in t.log()][::-1]
    assert len(ids) == 48
    for j in range(0, 48, 2):
        assert ids[j][0] == "call" and ids[j + 1] == ("result", ids[j][1])


def test_a_batch_repeating_contents_stores_and_indexes_each_blob_once(store_url):
    """The batch writes its blobs together: a content stored before, or twice in the batch, is one
    blob with one index entry, and every commit is found by search and carries its token count."""
    with Tract.open(store_url, counter=WordCounter()) as t:
        t.user("alpha words")
        same = {"content_type": "dialogue", "role": "user", "text": "alpha words"}
        other = {"content_type": "dialogue", "role": "user", "text": "beta gamma words"}
        made = t.commit_many([same, other, other, same])
        assert [c.content_hash for c in made][1] == made[2].content_hash
        assert made[0].token_count == made[3].token_count and made[1].token_count == made[2].token_count > 0
        assert len(t.search("alpha")) == 3 and len(t.search("gamma")) == 2
        with t.store.read() as tx:
            assert tx.count_commits(t.tract_id) == 5
        if store_url.startswith("sqlite"):
            with t.store.read() as tx:
                ids = tx.conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar()
                indexed = tx.conn.exec_driver_sql("SELECT count(*) FROM blob_fts_docsize").scalar()
            assert ids == indexed == 2

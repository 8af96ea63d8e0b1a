"""PostgreSQL: a commit reusing a blob that a concurrent gc deletes is retried, not lost.

The commit finds the blob present (so does not insert it), gc deletes it, then the commit's foreign
key check waits for gc and fails. On SQLite writes are serialized and this cannot happen.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete

from tests.conftest import WordCounter
from tract_core import Tract
from tract_core.operations.committing import prepare_blob
from tract_core.storage import Txn
from tract_core.storage import schema as s

pytestmark = pytest.mark.postgres


def test_a_commit_racing_a_blob_deletion_is_retried(pg_url, monkeypatch):
    with Tract.open(pg_url, counter=WordCounter()) as t:
        content = {"content_type": "dialogue", "role": "user", "text": "said before, then collected"}
        blob = prepare_blob(t.repo, content)
        with t.store.write() as tx:
            tx.put_blob(blob)  # an unused blob, as a reset leaves it: gc's to delete

        blob_seen, blob_deleted = threading.Event(), threading.Event()
        real_put = Txn.put_blob

        def put_blob(self, b):
            real_put(self, b)
            if not blob_seen.is_set():
                blob_seen.set()
                blob_deleted.wait(5)

        def gc() -> None:
            blob_seen.wait(5)
            with t.store.write() as tx:
                tx.conn.execute(delete(s.blobs).where(s.blobs.c.hash == blob.hash))
                blob_deleted.set()
                time.sleep(0.3)  # the commit's foreign key check now waits for us

        monkeypatch.setattr(Txn, "put_blob", put_blob)
        collector = threading.Thread(target=gc)
        collector.start()
        info = t.commit(content)
        collector.join(5)

        assert blob_deleted.is_set()
        assert t.show(info.hash).content.text == "said before, then collected"
        with t.store.read() as tx:
            assert blob.hash in tx.get_blobs([blob.hash])

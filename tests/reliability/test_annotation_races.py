"""A long-lived reader never keeps a stale priority (issue 15, point 2): one process compiles over
and over while several annotate; after they stop, its compile equals a compile from scratch.

On PostgreSQL an annotation's id is allocated before its row becomes visible, so a reader that
remembers "everything up to id N" misses an older id committed late; the annotators here commit
slowly (TRACT_TEST_SLOW) to open that window wide."""

from __future__ import annotations

import time

import pytest

from tests.conftest import WordCounter
from tests.reliability.harness import assert_intact, start_together
from tract_core import Tract

ANNOTATORS = 4
SECONDS = 3.0

pytestmark = pytest.mark.slow


def test_a_compiling_reader_sees_every_annotation(store_url, tmp_path):
    with Tract.open(store_url, counter=WordCounter()) as t:
        done = [t.user(f"turn {i}").hash for i in range(30)]
    reader, *annotators = start_together(
        tmp_path / "go", (("compile", store_url), {"stop": tmp_path / "stop-reader"}),
        *((("annotate", store_url, str(i)), {"stop": tmp_path / "stop-annotators", "TRACT_TEST_SLOW": "1"})
          for i in range(ANNOTATORS)))
    time.sleep(SECONDS)
    (tmp_path / "stop-annotators").touch()
    for a in annotators:
        a.read_all()
    (tmp_path / "stop-reader").touch()
    reader.read_all()

    errors = [e for w in [reader, *annotators] for e in w.errors()]
    assert not errors, errors[0]
    assert sum("annotated" in line for a in annotators for line in a.lines) > 20
    final = next(line["final"] for line in reader.lines if "final" in line)
    assert final == assert_intact(store_url, done)


def test_an_annotation_after_gc_reaches_a_long_lived_reader(store_url):
    """gc deleting the newest annotation (its commit was dropped) must not let the next one reuse
    its id, which a reader has already read past."""
    with Tract.open(store_url, counter=WordCounter()) as writer, \
            Tract.open(store_url, counter=WordCounter()) as reader:
        kept = writer.user("kept").hash
        writer.branch("side", switch=True)
        writer.annotate(writer.user("dropped").hash, "skip")
        writer.switch("main")
        writer.delete_branch("side", force=True)
        assert len(reader.compile().messages) == 1
        assert writer.gc(orphan_retention_days=0).commits_removed == 1

        writer.annotate(kept, "skip")
        assert reader.compile().messages == []

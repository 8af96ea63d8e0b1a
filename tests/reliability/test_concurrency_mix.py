"""Writers, garbage collection, annotators and a long-lived reader, all at once in separate
processes: no commit reported done is lost, nothing raises an untyped error, and both the reader's
last compile and a fresh compile equal a compile from scratch."""

from __future__ import annotations

import time

import pytest

from tests.conftest import WordCounter
from tests.reliability.harness import assert_intact, start_together
from tract_core import Tract

SECONDS = 2.0
WRITERS = 2
ANNOTATORS = 1

pytestmark = pytest.mark.slow


def test_writers_gc_annotators_and_a_reader_together(store_url, tmp_path):
    with Tract.open(store_url, counter=WordCounter()) as t:
        done = [t.user(f"turn {i}").hash for i in range(10)]
    work, last = {"stop": tmp_path / "stop"}, {"stop": tmp_path / "stop-reader"}
    reader, *others = start_together(
        tmp_path / "go", (("compile", store_url), last), (("gc", store_url), work),
        *((("commit", store_url, "1000"), {**work, "TRACT_TEST_LABEL": f"w{i}"}) for i in range(WRITERS)),
        *((("annotate", store_url, str(i)), work) for i in range(ANNOTATORS)))
    time.sleep(SECONDS)
    (tmp_path / "stop").touch()
    for w in others:
        w.read_all()
    (tmp_path / "stop-reader").touch()
    reader.read_all()

    errors = [e for w in [reader, *others] for e in w.errors()]
    assert not errors, errors[0]
    done += [h for w in others for h in w.done()]
    assert len(done) > 10 + WRITERS
    final = next(line["final"] for line in reader.lines if "final" in line)
    assert final == assert_intact(store_url, done)

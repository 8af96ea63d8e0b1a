"""gc never deletes what a ref reaches, whatever commits land while it runs (issue 15, point 1):
one process commits on main while another collects garbage with no retention, over and over."""

from __future__ import annotations

import pytest

from tests.reliability.harness import assert_intact, start
from tract_core import Tract

COMMITS = 80

pytestmark = pytest.mark.slow


def test_gc_in_a_loop_never_deletes_a_commit_reported_done(store_url, tmp_path):
    Tract.open(store_url).close()
    stop = tmp_path / "stop"
    collector = start("gc", store_url, stop=stop)
    writer = start("commit", store_url, str(COMMITS))
    writer.read_all()
    stop.touch()
    collector.read_all()

    assert not writer.errors() and not collector.errors(), (writer.errors() + collector.errors())[0]
    assert len(writer.done()) == COMMITS
    assert sum("gc" in line for line in collector.lines) > 1  # it did run alongside
    assert_intact(store_url, writer.done())

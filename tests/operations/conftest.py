"""Fixtures for the operation tests."""

from __future__ import annotations

import pytest
from compress_support import Recorder, open_tract


@pytest.fixture
def t():
    """An in-memory tract with a word counter and a summarizer that records what it was asked."""
    tract = open_tract(summarizer=Recorder())
    yield tract
    tract.close()

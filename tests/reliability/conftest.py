"""The reliability suite: crashes, concurrency, outages and hostile input. Run it alone with
`pytest -m reliability`; every test under this folder carries the marker."""

import pathlib

import pytest

HERE = pathlib.Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in pathlib.Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)

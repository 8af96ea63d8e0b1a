"""The short form of ids (commit hashes, compression, record and event ids) that readers are shown."""

from __future__ import annotations

SHORT_LEN = 12


def short_id(full: str | None) -> str | None:
    """The first 12 hex digits: what every face shows, and enough for any prefix lookup to accept."""
    return full[:SHORT_LEN] if full else full

"""Where the default store lives: a SQLite file in the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """`$XDG_DATA_HOME/tract-mcp/tract.db`, else `~/.local/share/tract-mcp/tract.db`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tract-mcp" / "tract.db"

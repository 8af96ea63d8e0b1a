"""What a tract may be called. A name is shown to people and compared by machines, so it must look
like what it is: printable, without invisible characters (zero-width, bidi controls) that make two
different names look alike, and not padded with spaces."""

from __future__ import annotations

import unicodedata
from typing import Any

from tract_core.errors import InvalidTractNameError

MAX_TRACT_NAME = 255  # characters (the store's column)


def check_tract_name(name: Any) -> str:
    if not isinstance(name, str):
        raise InvalidTractNameError(f"a tract name is a string, not {type(name).__name__}")
    if not name.strip():
        raise InvalidTractNameError("a tract name cannot be empty or blank; e.g. 'default' or 'research-agent'")
    if len(name) > MAX_TRACT_NAME:
        raise InvalidTractNameError(f"tract name of {len(name)} characters: at most {MAX_TRACT_NAME}")
    if name != name.strip():
        raise InvalidTractNameError(f"tract name {name!r} starts or ends with spaces; remove them")
    bad = next((c for c in name if not c.isprintable() and c != " "), None)
    if bad is not None:
        raise InvalidTractNameError(
            f"tract name {name!r} holds {describe(bad)}, which is invisible or a control character; "
            "use visible characters only")
    return name


def describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    try:
        return f"{code} ({unicodedata.name(char)})"
    except ValueError:
        return code  # unnamed: a control character or a lone surrogate

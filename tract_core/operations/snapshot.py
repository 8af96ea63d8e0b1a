"""A compile state as bytes and back: what a compile snapshot stores.

Layout (zlib-compressed): a JSON array holding six fields per entry, flat, then a newline, then the
messages as a JSON array that pydantic parses straight into `Message` models (no per-turn JSON parse
and render, which is most of what a full build of a long history costs), then a newline and the
request parts (the latest `tools` and `settings` commits) as a JSON object. Compact JSON never holds
a raw newline.

Format 3 (written): an entry's fields are `position` ("" when it is `shown`), `shown` ("" when it is
its message's `commit_hash`), `content_type`, tool direction or "", tool call id or "", tokens; the
messages leave out the fields at their defaults. Each commit hash is stored once, not two or three
times: a snapshot is a quarter smaller.
Format 2 (still read): `position`, `shown` ("" when it is `position`), and the rest as in 3; the
messages whole.
"""

from __future__ import annotations

import json
import zlib

from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from tract_core.models.compiled import Message
from tract_core.models.prefix import Prefix
from tract_core.operations.compile_state import CompileState, Entry, RequestPart, gc_paused

# bump when what a state holds, or how content renders, changes: formats not in READABLE are then
# ignored (and the snapshot rebuilt from the commits)
FORMAT = 3
READABLE = (2, 3)
_messages = TypeAdapter(list[Message])
_FIELDS = 6
DecodeError = (zlib.error, ValueError, IndexError, TypeError, ValidationError)


def encode(state: CompileState) -> bytes:
    flat: list = []
    for e in state.entries:
        flat += ("" if e.position == e.shown else e.position, "" if e.shown == e.message.commit_hash else e.shown,
                 e.content_type, e.tool[0] if e.tool else "", e.tool[1] if e.tool else "", e.tokens)
    head = json.dumps(flat, separators=(",", ":"), ensure_ascii=True).encode()
    parts = {kind: [p.position, p.shown, p.tokens, p.data] for kind, p in state.request.items()}
    tail = json.dumps(parts, separators=(",", ":"), ensure_ascii=True).encode()
    messages = _messages.dump_json([e.message for e in state.entries], exclude_defaults=True)
    return zlib.compress(head + b"\n" + messages + b"\n" + tail, 1)


def decode(data: bytes, head: str, commits: int, fmt: int = FORMAT) -> CompileState:
    """The state `encode` saved (in format `fmt`); raises one of DecodeError when the bytes are not
    such a state."""
    if fmt not in READABLE:
        raise ValueError(f"compile snapshot format {fmt} is not one this version reads")
    raw = zlib.decompress(data)
    cut, last = raw.index(b"\n"), raw.rindex(b"\n")
    with gc_paused(keep=True):
        flat = from_json(raw[:cut])
        messages = _messages.validate_json(raw[cut + 1:last])
        request = {kind: RequestPart(*p) for kind, p in json.loads(raw[last + 1:]).items()}
        if fmt == 2:
            entries = [Entry(flat[j], flat[j + 1] or flat[j], flat[j + 2],
                             (flat[j + 3], flat[j + 4]) if flat[j + 3] else None, flat[j + 5], m)
                       for j, m in zip(range(0, len(flat), _FIELDS), messages)]
        else:
            entries = []
            for j, m in zip(range(0, len(flat), _FIELDS), messages):
                shown = flat[j + 1] or m.commit_hash
                entries.append(Entry(flat[j] or shown, shown, flat[j + 2],
                                     (flat[j + 3], flat[j + 4]) if flat[j + 3] else None, flat[j + 5], m))
    if len(entries) * _FIELDS != len(flat) or len(entries) != len(messages):
        raise ValueError("entries and messages do not match")
    return CompileState(head, Prefix(entries), {e.position: i for i, e in enumerate(entries)}, commits,
                        snapshot_at=commits, snapshot_head=head, request=request)

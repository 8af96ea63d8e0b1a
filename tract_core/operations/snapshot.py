"""A compile state as bytes and back: what a compile snapshot stores.

Format 4 (written): a line of JSON, `{"chunks": [byte length of each chunk], "request": {kind:
[position, shown, tokens, data]}}` (the latest `tools` and `settings` commits), then the chunks. A
chunk is CHUNK entries, zlib-compressed on its own: a JSON array of six fields per entry, flat, a
newline, then the entries' messages as a JSON array that pydantic parses straight into `Message`
models (no per-turn JSON parse and render, which is most of what a full build costs). An entry's
fields are `position` ("" when it is `shown`), `shown` ("" when it is its message's
`commit_hash`), `content_type`, tool direction or "", tool call id or "", tokens; the messages
leave out the fields at their defaults, so each commit hash is stored once.

A history only grows at its end, so the next snapshot of it differs from the last in its last chunk
and the chunks after it, and in any chunk an edit changed: `encode` reuses the other chunks' bytes
(`Chunks`), and a save costs what the history added, not the whole history again.

Formats 2 and 3 (still read) were one zlib stream: the flat fields of every entry, a newline, the
messages, a newline, the request parts; in 3 as above, in 2 `position`, `shown` ("" when it is
`position`) and the messages whole.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from tract_core.models.compiled import Message
from tract_core.models.prefix import Prefix
from tract_core.operations.compile_state import CompileState, Entry, RequestPart, gc_paused

# bump when what a state holds, or how content renders, changes: formats not in READABLE are then
# ignored (and the snapshot rebuilt from the commits)
FORMAT = 4
READABLE = (2, 3, 4)
CHUNK = 512
_messages = TypeAdapter(list[Message])
_FIELDS = 6
DecodeError = (zlib.error, ValueError, IndexError, TypeError, KeyError, ValidationError)


@dataclass
class Chunks:
    """The chunks a snapshot of a history was last written or read with: the entries of each (the
    objects themselves: an entry that is the same object is the same entry) and its bytes."""

    parts: list[tuple[list[Entry], bytes]] = field(default_factory=list)

    def reused(self, k: int, entries: list[Entry]) -> bytes | None:
        if k >= len(self.parts):
            return None
        old, data = self.parts[k]
        return data if len(old) == len(entries) and all(a is b for a, b in zip(old, entries)) else None


def encode(state: CompileState, chunks: Chunks | None = None) -> bytes:
    """The snapshot of `state`; with `chunks`, the chunks a snapshot of the same history was last
    written with are reused where their entries did not change (and `chunks` is updated)."""
    parts: list[tuple[list[Entry], bytes]] = []
    for k, start in enumerate(range(0, len(state.entries), CHUNK)):
        entries = state.entries[start:start + CHUNK]
        data = chunks.reused(k, entries) if chunks is not None else None
        parts.append((entries, data if data is not None else _chunk(entries)))
    if chunks is not None:
        chunks.parts = parts
    request = {kind: [p.position, p.shown, p.tokens, p.data] for kind, p in state.request.items()}
    header = {"chunks": [len(data) for _, data in parts], "request": request}
    return json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode() + b"\n" + b"".join(
        data for _, data in parts)


def _chunk(entries: list[Entry]) -> bytes:
    flat: list = []
    for e in entries:
        flat += ("" if e.position == e.shown else e.position, "" if e.shown == e.message.commit_hash else e.shown,
                 e.content_type, e.tool[0] if e.tool else "", e.tool[1] if e.tool else "", e.tokens)
    head = json.dumps(flat, separators=(",", ":"), ensure_ascii=True).encode()
    return zlib.compress(head + b"\n" + _messages.dump_json([e.message for e in entries], exclude_defaults=True), 1)


def decode(data: bytes, head: str, commits: int, fmt: int = FORMAT, chunks: Chunks | None = None) -> CompileState:
    """The state `encode` saved (in format `fmt`); raises one of DecodeError when the bytes are not
    such a state. `chunks` (format 4) is given the chunks read, for the next `encode`."""
    if fmt not in READABLE:
        raise ValueError(f"compile snapshot format {fmt} is not one this version reads")
    with gc_paused(keep=True):
        if fmt == 4:
            entries, request = _decode_chunked(data, chunks)
        else:
            raw = zlib.decompress(data)
            cut, last = raw.index(b"\n"), raw.rindex(b"\n")
            entries = _entries(from_json(raw[:cut]), _messages.validate_json(raw[cut + 1:last]), fmt)
            request = json.loads(raw[last + 1:])
        request = {kind: RequestPart(*p) for kind, p in request.items()}
    return CompileState(head, Prefix(entries), {e.position: i for i, e in enumerate(entries)}, commits,
                        snapshot_at=commits, snapshot_head=head, request=request)


def _decode_chunked(data: bytes, chunks: Chunks | None) -> tuple[list[Entry], dict]:
    cut = data.index(b"\n")
    header = json.loads(data[:cut])
    entries: list[Entry] = []
    parts = []
    at = cut + 1
    for size in header["chunks"]:
        piece = data[at:at + size]
        if len(piece) != size:
            raise ValueError("a compile snapshot chunk is cut short")
        at += size
        raw = zlib.decompress(piece)
        mid = raw.index(b"\n")
        part = _entries(from_json(raw[:mid]), _messages.validate_json(raw[mid + 1:]), 4)
        parts.append((part, piece))
        entries += part
    if at != len(data):
        raise ValueError("a compile snapshot holds more than its chunks")
    if chunks is not None:
        chunks.parts = parts
    return entries, header["request"]


def _entries(flat: list, messages: list[Message], fmt: int) -> list[Entry]:
    if len(messages) * _FIELDS != len(flat):
        raise ValueError("entries and messages do not match")
    if fmt == 2:
        return [Entry(flat[j], flat[j + 1] or flat[j], flat[j + 2],
                      (flat[j + 3], flat[j + 4]) if flat[j + 3] else None, flat[j + 5], m)
                for j, m in zip(range(0, len(flat), _FIELDS), messages)]
    entries = []
    for j, m in zip(range(0, len(flat), _FIELDS), messages):
        shown = flat[j + 1] or m.commit_hash
        entries.append(Entry(flat[j] or shown, shown, flat[j + 2],
                             (flat[j + 3], flat[j + 4]) if flat[j + 3] else None, flat[j + 5], m))
    return entries

"""Serialize JSON whose leaves may be MediaStreams, as a stream of byte pieces.

A 20 MB video becomes ~27 MB of base64 text; writing it piece by piece keeps a
request's memory at a few chunks instead of several copies of the whole file.
"""
from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import ModuleType

from proxy.media.stream import MediaStream

orjson: ModuleType | None  # the module, or None where it is not installed
try:  # orjson: ~3-5x faster than json for the bodies of every request and answer (issue 15's levers)
    import orjson
except ImportError:  # pragma: no cover - an optional speed-up
    orjson = None

b64encode: Callable[[bytes | bytearray | memoryview], bytes]  # pybase64's or the stdlib's: the same output
try:  # pybase64 (SIMD): ~16 GB/s against the stdlib's ~0.85 GB/s here; base64 of a 20 MB video was 2/3 of
    from pybase64 import b64encode  # the event loop's time while 20 videos were written (py-spy, bench/)
except ImportError:  # pragma: no cover - an optional speed-up, same output
    from base64 import b64encode


def loads(text: str | bytes):
    """Parse JSON (orjson when installed; it also refuses NaN, lone surrogates and nesting past 1,024)."""
    return orjson.loads(text) if orjson is not None else json.loads(text)


def dumps(obj, default: Callable | None = None) -> bytes:
    """Compact UTF-8 JSON. orjson when it can; json for what orjson refuses (integers past 64 bits,
    non-string keys, lone surrogates), so nothing that serialised before fails now."""
    if orjson is not None:
        try:
            return orjson.dumps(obj, default=default)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return json.dumps(obj, default=default, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")

# base64 works on 3-byte groups: a multiple of 3 leaves no padding mid-stream. Reads that are not whole
# groups are gathered to this size (the media store's reads are, and are encoded as they come).
_BATCH = 3 * 128 * 1024


# Stands in for each MediaStream in the serialized text; random per process, so no client text can forge it.
_MARKER = f"@@media-{os.urandom(12).hex()}-"


def dumps_text(obj) -> str:
    """dumps as text: the ClientSession's json_serialize (bodies sent upstream)."""
    return dumps(obj).decode("utf-8", "surrogatepass")


@dataclass
class JsonBody:
    """JSON text cut around its MediaStreams: texts[i] comes before media[i], the last text after them all."""

    texts: list[bytes]
    media: list[MediaStream]

    @property
    def length(self) -> int | None:
        """The exact size of the encoded answer when every stream's size is known (a Content-Length instead
        of chunked framing, which on Python < 3.12 copies each piece once more: aiohttp joins it)."""
        total = sum(map(len, self.texts))
        for m in self.media:
            if m.size is None:
                return None
            total += 4 * ((m.size + 2) // 3)
        return total

    async def pieces(self) -> AsyncIterator[bytes]:
        for text, stream in zip(self.texts, self.media):
            yield text
            async for piece in _base64_pieces(stream):
                yield piece
        yield self.texts[-1]


def json_body(obj) -> JsonBody:
    marker = _MARKER
    media: list[MediaStream] = []

    def default(value):
        if isinstance(value, MediaStream):
            media.append(value)
            return f"{marker}{len(media) - 1}@@"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    rest = dumps(obj, default)
    texts = []
    for index, stream in enumerate(media):
        before, rest = rest.split(f"{marker}{index}@@".encode(), 1)
        texts.append(before + stream.data_uri_prefix().encode())
    texts.append(rest)
    return JsonBody(texts, media)


async def iter_json(obj) -> AsyncIterator[bytes]:
    body = json_body(obj)
    if not body.media:
        yield body.texts[0]
        return
    async for piece in body.pieces():
        yield piece


async def _base64_pieces(stream: MediaStream) -> AsyncIterator[bytes]:
    pending = bytearray()
    read = 0
    async for chunk in stream.open_chunks():
        read += len(chunk)
        if not pending and len(chunk) % 3 == 0:  # the usual case: whole reads, no copy
            yield b64encode(chunk)
            continue
        pending += chunk
        if len(pending) >= _BATCH:
            cut = len(pending) - len(pending) % 3
            yield b64encode(memoryview(pending)[:cut])
            del pending[:cut]
    if pending:
        yield b64encode(bytes(pending))
    if stream.size is not None and read != stream.size:  # a Content-Length was promised: end the answer short
        raise MediaChanged(f"stored media of {stream.size} bytes read as {read} bytes")


class MediaChanged(Exception):
    """The stored file no longer has the size the answer announced."""

"""A stored video written into a JSON answer as base64: the text must decode to the exact bytes, whatever
the read sizes (whole 3-byte groups or not) and whichever base64 encoder is installed."""
from __future__ import annotations

import base64
import json
import os

import pytest

from proxy.http import jsonstream
from proxy.media.store import MediaStore
from proxy.media.stream import MediaStream


async def _answer(obj) -> bytes:
    return b"".join([piece async for piece in jsonstream.iter_json(obj)])


def _stream_of(data: bytes, sizes: list[int]) -> MediaStream:
    async def chunks():
        at, i = 0, 0
        while at < len(data):
            n = sizes[i % len(sizes)]
            yield data[at:at + n]
            at, i = at + n, i + 1

    return MediaStream(mime_type="video/mp4", open_chunks=chunks, size=len(data))


@pytest.mark.parametrize("sizes", [[3 * 256 * 1024], [65536], [1, 2, 4, 100_000], [786_431, 5]])
async def test_chunked_reads_encode_to_the_exact_bytes(sizes):
    data = os.urandom(2 * 786_432 + 7)
    body = json.loads(await _answer({"video": {"url": _stream_of(data, sizes)}, "after": "x"}))
    assert body["after"] == "x"
    prefix = "data:video/mp4;base64,"
    assert body["video"]["url"].startswith(prefix)
    assert base64.b64decode(body["video"]["url"][len(prefix):], validate=True) == data


async def test_a_stored_file_is_answered_byte_identical(tmp_path):
    store = MediaStore(tmp_path)
    data = os.urandom(3_000_001)  # not a multiple of the read size nor of 3
    stored = await store.save_bytes(data, "video/mp4")
    body = json.loads(await _answer({"videos": [stored.stream()]}))
    assert base64.b64decode(body["videos"][0].split(",", 1)[1], validate=True) == data


async def test_the_standard_library_encoder_gives_the_same_text(monkeypatch):
    data = os.urandom(100_003)
    fast = await _answer({"v": _stream_of(data, [4096, 77])})
    monkeypatch.setattr(jsonstream, "b64encode", base64.b64encode)
    assert await _answer({"v": _stream_of(data, [4096, 77])}) == fast


@pytest.mark.parametrize("size", [0, 1, 2, 3, 786_432, 1_000_001])
async def test_the_announced_length_is_the_length_written(size):
    data = os.urandom(size)
    body = jsonstream.json_body({"a": "é", "v": [_stream_of(data, [65536]), _stream_of(data[:5], [2])]})
    written = b"".join([piece async for piece in body.pieces()])
    assert body.length == len(written)
    json.loads(written)


async def test_a_stored_file_that_shrank_ends_the_answer_short(tmp_path):
    store = MediaStore(tmp_path)
    stored = await store.save_bytes(os.urandom(10_000), "video/mp4")
    stored.path.write_bytes(b"x" * 9_000)  # the Content-Length sent was for 10,000 bytes
    with pytest.raises(jsonstream.MediaChanged):
        await _answer({"v": stored.stream()})

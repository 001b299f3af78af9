"""Media building blocks: PNG encoding and padded MP4 streaming without big buffers."""

from __future__ import annotations

import asyncio
import tracemalloc
import zlib

from proxy.emulator.media import iter_video, make_png, padded_size, sample_path

from .helpers import KEY, mp4_boxes, mp4_info, png_size, poll_until_done, submit_veo, veo_body


def test_png_is_decodable():
    png = make_png(12, 7, seed="x")
    assert png_size(png) == (12, 7)
    idat_len = int.from_bytes(png[33:37], "big")
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41 : 41 + idat_len])
    assert len(raw) == 7 * (1 + 12 * 3)
    assert png.endswith(b"IEND\xaeB`\x82")


async def test_streaming_a_20mb_padded_video_uses_little_memory():
    path = sample_path("16:9", 8)
    size = 20 * 1024 * 1024
    tracemalloc.start()
    total, head = 0, b""
    async for chunk in iter_video(path, size):
        if len(head) < 64:
            head += chunk[:64]
        total += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == size == padded_size(path, size)
    assert head[4:8] == b"ftyp"
    assert peak < 1024 * 1024


async def test_concurrent_padded_downloads(make_emulator, session):
    emu = await make_emulator(video_padding_bytes=2_000_000)
    op = await poll_until_done(session, emu, await submit_veo(session, emu, veo_body(durationSeconds=6)))
    uris = [s["video"]["uri"] for s in op["response"]["generateVideoResponse"]["generatedSamples"]] * 10

    async def get(uri):
        async with session.get(uri, headers=KEY) as r:
            return await r.read()

    results = await asyncio.gather(*(get(u) for u in uris))
    for data in results:
        assert len(data) == 2_000_000
        assert mp4_boxes(data)[-1][0] == b"free"
        assert abs(mp4_info(data)["seconds"] - 6) < 0.05

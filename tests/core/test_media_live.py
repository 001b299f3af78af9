"""proxy/media/live.py on its own: an answer that falls behind the download still gets every byte, in order."""
from __future__ import annotations

import asyncio
import hashlib
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass

from proxy.media.live import WINDOW, LiveMedia
from proxy.media.store import MediaStore


@dataclass
class FakeDownload:
    content_length: int
    chunks: object


async def test_a_reader_behind_the_window_reads_the_rest_from_the_spool_file(tmp_path):
    data = os.urandom(5 * WINDOW + 12345)
    arrived = asyncio.Event()

    async def chunks():
        for start in range(0, len(data), 70001):  # odd sizes: reads straddle chunks and the window's edge
            yield data[start:start + 70001]
            await asyncio.sleep(0)
        arrived.set()

    @asynccontextmanager
    async def open_download():
        yield FakeDownload(len(data), chunks())

    live = LiveMedia(MediaStore(tmp_path), "video/mp4", None)
    live.task = asyncio.create_task(live.run(open_download, attempts=1, label="Job id: test"))
    while live.size is None:
        await asyncio.sleep(0)
    await arrived.wait()  # the reader starts once the whole video has gone past the window

    async def read() -> bytes:
        return b"".join([piece async for piece in live.stream().open_chunks()])

    reader = asyncio.create_task(read())
    stored = await live.outcome()
    await asyncio.sleep(0.05)
    assert not reader.done()  # the last bytes wait until the job is recorded
    live.release()
    assert await reader == data
    assert live.file_reads > 0
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.path.read_bytes() == data

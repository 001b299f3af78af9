"""Generated media kept on disk, once per content (named by its SHA-256).

Downloads are spooled here before the client gets a 200, so a download cut off
half way becomes a clean error instead of a truncated video, the bytes never sit
whole in memory, and a finished result can be fetched again later.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from proxy.media.stream import MediaStream
from proxy.ops.private import private_dir

CHUNK = 256 * 1024
WRITE_BATCH = 256 * 1024
# Reads for an answer: a multiple of 3 (whole base64 groups, so each read is encoded as it comes), 384 KiB
# (512 KiB of base64 per socket write; 768 KiB was no faster and held twice the memory per answer).
READ_CHUNK = 3 * 128 * 1024
EXTENSIONS = {"video/mp4": ".mp4", "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    path: Path
    size: int
    mime_type: str

    def stream(self) -> MediaStream:
        return MediaStream(mime_type=self.mime_type, open_chunks=lambda: read_chunks(self.path, READ_CHUNK),
                           size=self.size, sha256=self.sha256)


async def read_chunks(path: Path, size: int = CHUNK) -> AsyncIterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, size):
            yield chunk


class MediaStore:
    def __init__(self, folder: Path):
        self.folder = folder

    def path_for(self, sha256: str, mime_type: str) -> Path:
        return self.folder / f"{sha256}{EXTENSIONS.get(mime_type, '.bin')}"

    async def save(self, chunks: AsyncIterator[bytes], mime_type: str, max_bytes: int | None = None) -> StoredMedia:
        """Write the chunks to a temporary file, then move it to its content address."""
        await asyncio.to_thread(private_dir, self.folder)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as handle:
                # Hash and write on a thread (hashlib and file writes let go of the GIL), while the loop
                # receives the next chunks: SHA-256 of a 20 MB video no longer blocks every other request.
                # Network reads are often 16-64 KiB: they are handed over WRITE_BATCH at a time as a list
                # (no copy on the event loop), so a 20 MB video costs ~80 thread hand-offs, not ~1,000.
                pending: asyncio.Future | None = None
                loop = asyncio.get_running_loop()
                batch: list[bytes] = []
                batched = 0
                try:
                    async for chunk in chunks:
                        size += len(chunk)
                        if max_bytes is not None and size > max_bytes:
                            raise MediaTooLarge(max_bytes)
                        batch.append(chunk)
                        batched += len(chunk)
                        if batched < WRITE_BATCH:
                            continue
                        if pending is not None:
                            await pending
                        pending = loop.run_in_executor(None, _hash_and_write, digest, handle, batch)
                        batch, batched = [], 0
                    if pending is not None:
                        await pending
                    if batch:
                        pending = loop.run_in_executor(None, _hash_and_write, digest, handle, batch)
                finally:
                    if pending is not None:
                        await asyncio.shield(pending)  # never close the file under a running write
            final = self.path_for(digest.hexdigest(), mime_type)
            await asyncio.to_thread(keep_as, tmp, final)
        except BaseException:
            await asyncio.to_thread(_unlink, tmp)
            raise
        return StoredMedia(sha256=digest.hexdigest(), path=final, size=size, mime_type=mime_type)

    async def save_bytes(self, data: bytes, mime_type: str) -> StoredMedia:
        async def one() -> AsyncIterator[bytes]:
            for start in range(0, len(data), CHUNK):
                yield data[start:start + CHUNK]

        return await self.save(one(), mime_type)

    def find(self, sha256: str, mime_type: str) -> StoredMedia | None:
        path = self.path_for(sha256, mime_type)
        try:
            return StoredMedia(sha256=sha256, path=path, size=path.stat().st_size, mime_type=mime_type)
        except OSError:
            return None


class MediaTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"over the {limit} byte limit")
        self.limit = limit


def _hash_and_write(digest, handle, chunks: list[bytes]) -> None:
    for chunk in chunks:
        digest.update(chunk)
    handle.writelines(chunks)


def keep_as(tmp: str, final: Path) -> None:
    """Move a spooled file to its content address; when that file is already there (the same bytes), drop
    the new copy instead: renaming over an existing file makes ext4 write the new one out at once
    (auto_da_alloc): ~20 MB of writeback started per 20 MB video stored again."""
    if final.exists():
        os.unlink(tmp)
    else:
        os.replace(tmp, final)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


#: Where large media is kept on disk (an app key, set by create_app).
MEDIA_STORE: web.AppKey[MediaStore] = web.AppKey("media_store")

"""A video download answered while it arrives: spooled and hashed on a thread, read by waiting clients as it comes.

The job runner asks for this (RequestContext.live_downloads). Once the upstream has answered with a
Content-Length, the plugin gets a LiveMedia at once (its size is the promised one), builds its answer, and the
clients waiting for the job are written that answer while the same bytes are still arriving: one pass over
the bytes (receive, then hash + spool on a thread, and base64 + send from memory) instead of
download -> spool -> read back -> encode -> send, one after the other (issue 15: 20 concurrent 20 MB videos).

Correctness as before: the last bytes of an answer are only sent once the job is recorded completed (so the
job, its ledger entry and GET /v1/videos/{id}/content are there when the client has its answer). A download
that breaks off is tried again (DOWNLOAD_ATTEMPTS) for the job, and every answer that was reading it is cut
off (the connection is aborted: a short body, never a corrupt or truncated success); an identical request
attaches to the job, or takes its download up again if it failed (JobRunner.attach_or_start).
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path

from proxy.http.errors import ApiError
from proxy.http.jsonstream import MediaChanged
from proxy.media.store import MediaStore, MediaTooLarge, StoredMedia, _unlink, keep_as
from proxy.media.stream import MediaStream
from proxy.ops.private import private_dir

# Bytes already spooled that stay in memory for the readers that keep up with the download; a reader further
# behind reads them back from the spool file. 1 MiB: 20 downloads hold ~20 MB more at most.
WINDOW = 1024 * 1024
# Bytes handed to the writer thread at a time (each hand-off wakes a thread), and the most an answer reads
# at a time (a multiple of 3: whole base64 groups).
LIVE_BATCH = 256 * 1024
LIVE_READ = 3 * 128 * 1024


class LiveBroken(MediaChanged):
    """The download an answer was reading broke off, or its job could not be recorded: the answer is cut."""


class _Attempt:
    """One try at the download: its bytes in memory (the tail of it) and its spool file."""

    def __init__(self, number: int):
        self.number = number
        self.chunks: deque[bytes] = deque()
        self.start = 0       # offset of chunks[0]
        self.received = 0    # bytes arrived (in chunks or spooled)
        self.visible = 0     # bytes readers may send: handed to the writer, so spooled even if the try breaks
        self.written = 0     # bytes flushed to the spool file (readable with os.pread)
        self.must_match = 0  # bytes already sent from an earlier try: compared before anything more is sent
        self.verified = True
        self.fd: int | None = None
        self.path: Path | None = None  # the stored file, once spooled whole
        self.readers = 0
        self.reference = False  # kept open to compare the next try with
        self.diverged = False   # differs from what was sent: its readers are cut off
        self.over = False    # no more bytes will come (ended, broke off, or failed)
        self.broken: str | None = None

    def slice(self, pos: int, end: int) -> bytes:
        parts, offset = [], self.start
        for chunk in self.chunks:
            stop = offset + len(chunk)
            if stop > pos:
                view = memoryview(chunk)[max(0, pos - offset):min(len(chunk), end - offset)]
                parts.append(view)
                if stop >= end:
                    break
            offset = stop
        if not parts:
            return b""
        return parts[0].tobytes() if len(parts) == 1 else b"".join(parts)

    def trim(self) -> None:
        """Drop spooled chunks past the window (they stay readable from the file)."""
        while self.chunks and self.start + len(self.chunks[0]) <= self.written \
                and self.received - self.start > WINDOW:
            self.start += len(self.chunks.popleft())

    def close_if_unread(self) -> None:
        """Once the download ended and nobody reads it: close the file and free the window (a later reader
        reads the stored file by its path). A broken try that answers were sent from stays open: the next
        try is compared with it."""
        if self.over and self.readers == 0 and self.fd is not None and not self.reference:
            os.close(self.fd)
            self.fd = None
            self.chunks.clear()
            self.start = self.received


class LiveMedia:
    """A download in progress that quacks like StoredMedia for a plugin (``size``, ``mime_type``, ``stream()``);
    ``outcome()`` is the StoredMedia once spooled, ``release()`` lets readers send the last bytes."""

    def __init__(self, store: MediaStore, mime_type: str, max_bytes: int | None):
        self.store = store
        self.mime_type = mime_type
        self.max_bytes = max_bytes
        self.size: int | None = None
        loop = asyncio.get_running_loop()
        self._attempt = _Attempt(0)
        self._changed = loop.create_future()
        self._started = loop.create_future()   # the first batch can be read: the answer may start
        self._released = loop.create_future()  # the job is recorded: the answers may end
        self._sent = 0  # the most bytes any answer has been given
        self._reference: _Attempt | None = None  # a broken try holding those bytes
        self.task: asyncio.Task | None = None
        self.file_reads = 0  # reads a reader made from the spool file (it fell behind the window)

    # -- for the plugin and the job runner --
    def stream(self) -> MediaStream:
        return MediaStream(mime_type=self.mime_type, open_chunks=self._tail, size=self.size, live=self)

    async def outcome(self) -> StoredMedia:
        """The stored file once the download is complete and spooled; the download's ApiError otherwise."""
        assert self.task is not None
        return await asyncio.shield(self.task)

    def release(self, error: str | None = None) -> None:
        """Let the answers end (the job is recorded), or cut them with ``error``; stops an unfinished download."""
        if not self._released.done():
            if error is None:
                self._released.set_result(None)
            else:
                self._released.set_exception(LiveBroken(error))
                self._released.exception()  # retrieved: no "never retrieved" warning when nobody reads
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self._notify()

    # -- the download --
    async def run(self, open_download, attempts: int, label: str) -> StoredMedia:
        """Download (``open_download()``: an upstream download context manager), trying again a download cut
        short up to ``attempts`` times. Errors name ``label`` as media_fetch's do."""
        try:
            for number in range(1, attempts + 1):
                try:
                    async with open_download() as download:
                        if number == 1:
                            self.size = download.content_length
                        elif download.content_length != self.size:
                            raise ApiError(502, "The video download changed size between tries.",
                                           code="download_incomplete")
                        return await self._spool(number, download)
                except ApiError as exc:
                    self._break(f"the download broke off ({exc.code})")
                    if exc.code != "download_incomplete" or number == attempts:
                        exc.message += f" {label}."
                        raise
        except MediaTooLarge as exc:
            self._break("the download is too large")
            raise ApiError(502, f"The generated video is {exc}. {label}.", code="media_too_large") from None
        except BaseException:
            self._break("the download stopped")
            raise
        finally:
            self._drop_reference()  # nothing left to compare with
        raise AssertionError("unreachable")

    async def _spool(self, number: int, download) -> StoredMedia:
        attempt = self._attempt = _Attempt(number)
        if self._sent:
            # Answers already hold bytes of a try that broke off: they go on with this one once its first
            # bytes are found equal to what they sent (the same file at Google; checked, not assumed).
            attempt.must_match, attempt.verified = self._sent, False
        self._notify()
        await asyncio.to_thread(private_dir, self.store.folder)
        fd, tmp = tempfile.mkstemp(dir=self.store.folder, prefix=".partial-")
        digest, loop = hashlib.sha256(), asyncio.get_running_loop()
        pending: asyncio.Future | None = None
        try:
            with os.fdopen(fd, "wb") as handle:
                attempt.fd = os.open(tmp, os.O_RDONLY)  # the readers' own (it outlives a rename or unlink)
                batch: list[bytes] = []
                batched = submitted = 0
                try:
                    async for chunk in download.chunks:
                        attempt.received += len(chunk)
                        if self.max_bytes is not None and attempt.received > self.max_bytes:
                            raise MediaTooLarge(self.max_bytes)
                        attempt.chunks.append(chunk)
                        batch.append(chunk)
                        batched += len(chunk)
                        if batched < LIVE_BATCH:
                            continue
                        if pending is not None:
                            await pending
                            attempt.written = submitted
                            attempt.trim()
                            if not attempt.verified and attempt.written >= attempt.must_match:
                                await self._verify(attempt)
                        # Readers see the batch now (from memory); the thread hashes and spools it meanwhile.
                        pending = loop.run_in_executor(None, _hash_write_flush, digest, handle, batch)
                        submitted, batch, batched = attempt.received, [], 0
                        attempt.visible = submitted
                        if self.size is not None and not self._started.done():
                            # Answered live from the first batch on: a small video (or one that breaks
                            # before) is stored whole first, and a failure is still an error status.
                            self._started.set_result(None)
                        self._notify()
                    if pending is not None:
                        await pending
                    pending = None
                    if batch:
                        pending = loop.run_in_executor(None, _hash_write_flush, digest, handle, batch)
                        await pending
                        pending = None
                    attempt.written = attempt.visible = attempt.received
                finally:
                    if pending is not None:
                        await asyncio.shield(pending)  # never close the file under a running write
            if download.content_length is not None and attempt.received != download.content_length:
                raise ApiError(502, "The video download ended early.", code="download_incomplete")
            if not attempt.verified:
                await self._verify(attempt)
            final = self.store.path_for(digest.hexdigest(), self.mime_type)
            await asyncio.to_thread(keep_as, tmp, final)
        except BaseException:
            await asyncio.to_thread(_unlink, tmp)
            raise
        attempt.over, attempt.path = True, final
        attempt.close_if_unread()
        self._drop_reference()
        self._notify()
        return StoredMedia(sha256=digest.hexdigest(), path=final, size=attempt.received, mime_type=self.mime_type)

    def _break(self, reason: str) -> None:
        attempt = self._attempt
        if not attempt.over:
            attempt.over, attempt.broken = True, reason
            attempt.chunks.clear()
            attempt.start = attempt.received
            if self._sent and attempt.verified and attempt.fd is not None:
                # What the answers were sent came from this try: the next one is compared with its file.
                self._drop_reference()
                attempt.reference, self._reference = True, attempt
            attempt.close_if_unread()
        self._notify()

    async def _verify(self, attempt: _Attempt) -> None:
        reference = self._reference
        same = reference is not None and reference.fd is not None and attempt.fd is not None and await asyncio.to_thread(
            _same_prefix, reference.fd, attempt.fd, attempt.must_match)
        attempt.verified, attempt.diverged = True, not same
        if same:
            self._drop_reference()
        self._notify()

    def _drop_reference(self) -> None:
        reference, self._reference = self._reference, None
        if reference is not None:
            reference.reference = False
            reference.close_if_unread()

    def _notify(self) -> None:
        if not self._changed.done():
            self._changed.set_result(None)
        self._changed = asyncio.get_running_loop().create_future()

    # -- the readers --
    async def _current(self) -> _Attempt:
        """The attempt to read; waits while a broken-off download is being tried again."""
        while True:
            attempt = self._attempt
            if attempt.number and not attempt.broken:
                return attempt
            if self._released.done():  # the job runner has recorded the job failed: cut the answer now
                raise LiveBroken(f"the video download failed ({attempt.broken or 'not started'})")
            await asyncio.shield(self._changed)

    async def _tail(self) -> AsyncIterator[bytes]:
        attempt = await self._current()
        attempt.readers += 1
        pos, size = 0, self.size
        try:
            while True:
                if attempt.broken:  # go on with the next try (from where this answer is)
                    attempt.readers -= 1
                    attempt.close_if_unread()
                    attempt = await self._current()
                    attempt.readers += 1
                    continue
                if attempt.diverged:
                    raise LiveBroken(f"the video downloaded again differs from the {pos} bytes already sent")
                if attempt.verified and pos < attempt.visible:
                    end = size if attempt.visible == size else pos + (attempt.visible - pos) // 3 * 3
                    end = min(end, pos + LIVE_READ)
                    if end == size:
                        await asyncio.shield(self._released)  # LiveBroken when the job was not recorded
                    if end > pos:
                        data = await self._read(attempt, pos, end)
                        if attempt.broken:
                            continue  # read again from the next try: only bytes it is checked against go out
                        pos = end
                        self._sent = max(self._sent, pos)
                        yield data
                        continue
                if pos == size:
                    return
                await asyncio.shield(self._changed)
        finally:
            attempt.readers -= 1
            attempt.close_if_unread()

    async def _read(self, attempt: _Attempt, pos: int, end: int) -> bytes:
        """Bytes [pos, end): from memory, and from the spool file for the part behind the window (the window
        may move on while the file is read: each part is taken from where it is then)."""
        parts, cur = [], pos
        while cur < end:
            if cur >= attempt.start:
                part = attempt.slice(cur, end)
            else:
                self.file_reads += 1
                stop = min(end, attempt.start)
                if attempt.fd is not None:
                    part = await asyncio.to_thread(os.pread, attempt.fd, stop - cur, cur)
                else:
                    part = await asyncio.to_thread(_pread_path, attempt.path, stop - cur, cur)
            if not part:
                raise LiveBroken(f"bytes {cur}-{end} of the video are neither in memory nor in its spool file")
            parts.append(part)
            cur += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)


async def start_live_download(context, *, uri: str, mime_type: str, credential_id: str | None, label: str,
                              attempts: int) -> StoredMedia | LiveMedia:
    """A LiveMedia once the upstream has promised a size and the first WRITE_BATCH has come; the StoredMedia
    when it promised none or the video is done by then (spooled whole first, as without live downloads)."""
    limit = context.settings.max_download_bytes
    live = LiveMedia(context.media, mime_type, limit)
    live.task = asyncio.create_task(live.run(lambda: context.upstream.download(uri, credential_id, limit),
                                             attempts, label))
    live.task.add_done_callback(lambda t: t.cancelled() or t.exception())
    try:
        await asyncio.wait([live.task, live._started], return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        live.release("cancelled")
        raise
    if live.size is not None and not live.task.done():
        return live
    return await live.task


def _same_prefix(fd_a: int, fd_b: int, size: int, block: int = 1024 * 1024) -> bool:
    for offset in range(0, size, block):
        n = min(block, size - offset)
        if os.pread(fd_a, n, offset) != os.pread(fd_b, n, offset):
            return False
    return True


def _pread_path(path, size: int, offset: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(size)


def _hash_write_flush(digest, handle, chunks: list[bytes]) -> None:
    for chunk in chunks:
        digest.update(chunk)
    handle.writelines(chunks)
    handle.flush()  # readers behind the window read the file itself

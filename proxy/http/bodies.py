"""Reading large request bodies without letting them crowd out everything else (issue 25.7).

Eight maximal bodies (32 MB each) sent at once were read side by side: every one grew an aiohttp bytearray
(reallocated as it grew, then copied once more into ``bytes``), then was parsed, so RSS rose by 1.7 GB and the
event loop, busy copying and faulting in fresh pages, answered ``/healthz`` after 2 s. Two things bound that:

- a body of known length is read into one buffer of that length (no reallocation, no final copy);
- a byte budget (``settings.body_bytes_in_flight``) caps the large bodies read and parsed at once. A body that
  does not fit waits *before* it is read: its bytes stay in the kernel's socket buffers and the client's, which
  TCP slows down, not in genproxy's memory. A body smaller than ``SMALL_BODY`` never waits.

The budget is held from the first byte read until the body is parsed (see proxy.handlers.common.read_json).
"""
from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import web

from proxy.http.errors import ApiError

#: A body read by read_json past the budget, kept for proxy.http.passthrough (aiohttp's request.read() is empty then).
RAW_BODY = "genproxy.raw_body"

#: Bodies from this size on are counted against the budget (and parsed in a worker thread).
SMALL_BODY = 256 * 1024


class BodyBudget:
    """A byte budget shared by the requests whose bodies are being read and parsed, first come first served."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.held = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    def _fits(self, size: int) -> bool:
        # A body larger than the whole budget waits until it is alone (it cannot be refused: max_body_bytes allows it).
        return self.held == 0 or self.held + size <= self.capacity

    async def acquire(self, size: int) -> int:
        """Wait until ``size`` bytes fit; returns what to release."""
        if not self._waiting and self._fits(size):
            self.held += size
            return size
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (size, waiter)
        self._waiting.append(entry)
        try:
            await waiter
        except BaseException:
            if entry in self._waiting:
                self._waiting.remove(entry)
            elif waiter.done() and not waiter.cancelled():
                self.release(size)  # granted while being cancelled: give it back
            raise
        return size

    def release(self, size: int) -> None:
        self.held -= size
        while self._waiting and self._fits(self._waiting[0][0]):
            size, waiter = self._waiting.popleft()
            if waiter.done():
                continue
            self.held += size
            waiter.set_result(None)


BODY_BUDGET: web.AppKey[BodyBudget] = web.AppKey("body_budget", BodyBudget)


def too_large(max_bytes: int) -> ApiError:
    return ApiError(413, f"Request body too large: over {max_bytes} bytes.", code="request_too_large")


async def read_body(request: web.Request, max_bytes: int) -> bytes | bytearray:
    """The whole body, at most ``max_bytes``; with a Content-Length, read into one buffer of that size."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    if length is None or length < SMALL_BODY:
        return await request.read()  # aiohttp checks client_max_size (= max_body_bytes) as it reads
    body = bytearray(length)
    view = memoryview(body)
    filled = 0
    stream = request.content
    while True:
        chunk = await stream.readany()
        if not chunk:
            break
        end = filled + len(chunk)
        if end > length:  # more than announced: aiohttp's parser stops at Content-Length, so never in practice
            raise too_large(max_bytes)
        view[filled:end] = chunk
        filled = end
    view.release()
    if filled < length:
        raise ApiError(400, f"The request body ended after {filled} of its {length} bytes.", code="invalid_json")
    return body

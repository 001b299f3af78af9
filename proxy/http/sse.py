"""Server-sent events for OpenAI-style streams: data lines, keep-alive comments, one writer at a time."""
from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from proxy.http.jsonstream import iter_json


class SseWriter:
    def __init__(self, response: web.StreamResponse):
        self.response = response
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, request: web.Request) -> SseWriter:
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        return cls(response)

    async def send(self, obj) -> None:
        async with self._lock:
            pieces = iter_json(obj)
            first = await anext(pieces)
            second = await anext(pieces, None)
            if second is None:
                # The common case (no media): one write, one socket send per event.
                await self.response.write(b"data: " + first + b"\n\n")
                return
            await self.response.write(b"data: " + first)
            await self.response.write(second)
            async for piece in pieces:
                await self.response.write(piece)
            await self.response.write(b"\n\n")

    async def comment(self, text: str) -> None:
        async with self._lock:
            await self.response.write(f": {text}\n\n".encode())

    async def done(self) -> None:
        async with self._lock:
            await self.response.write(b"data: [DONE]\n\n")
            await self.response.write_eof()

    @contextlib.asynccontextmanager
    async def keepalive(self, interval: float):
        """Send a comment every ``interval`` seconds while the body runs, so idle clients do not time out."""
        async def beat():
            while True:
                await asyncio.sleep(interval)
                await self.comment("keep-alive")

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                await task

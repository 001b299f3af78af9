"""Coroutines that live as long as the app: started at start-up, cancelled at shutdown."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine

from aiohttp import web


def background_task(make: Callable[[web.Application], Coroutine]):
    """A cleanup_ctx entry running ``make(app)`` until the app stops."""

    async def lifetime(app: web.Application):
        task = asyncio.create_task(make(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return lifetime

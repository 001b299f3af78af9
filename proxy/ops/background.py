"""Coroutines that live as long as the app: started at start-up, cancelled at shutdown."""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable, Coroutine

from aiohttp import web

log = logging.getLogger("genproxy.background")


def background_task(make: Callable[[web.Application], Coroutine]):
    """A cleanup_ctx entry running ``make(app)`` until the app stops."""

    async def lifetime(app: web.Application):
        task = asyncio.create_task(make(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return lifetime


async def every(interval: float, step: Callable[[], object], what: str) -> None:
    """Run ``step`` (plain or async) every ``interval`` seconds until cancelled; a failure is logged, never fatal."""
    while True:
        await asyncio.sleep(interval)
        try:
            result = step()
            if inspect.isawaitable(result):
                await result
        except Exception:  # a watcher must outlive any one bad file or failed step
            log.exception("%s failed; will try again in %.0f s", what, interval)

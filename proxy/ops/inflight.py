"""Upstream calls that outlive the request that started them, polled like Google's operations.

Some long work is one long upstream call rather than an operation Google keeps (Lyria's generateContent
takes minutes and answers the song in its reply). A plugin starts such a call here from submit, under a
name it returns as the job's operation, and its poll step checks it, so the job machinery (recorded before
the call, progress, fetched again by id, answered to every waiting client) works as for a video. The calls
live in this process only: after a restart ``check`` finds nothing, and the plugin fails the job as
interrupted (Google may have billed it).
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class CallState:
    started: float
    done: bool
    result: Any = None
    error: BaseException | None = None


class InFlight:
    def __init__(self) -> None:
        self._tasks: dict[str, tuple[float, asyncio.Task]] = {}

    def start(self, name: str, call: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(call)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # read by check(), never "unretrieved"
        self._tasks[name] = (time.time(), task)

    def check(self, name: str) -> CallState | None:
        """The call's state; None when this process has no such call (a restart lost it). A finished call is
        forgotten once checked."""
        entry = self._tasks.get(name)
        if entry is None:
            return None
        started, task = entry
        if not task.done():
            return CallState(started=started, done=False)
        del self._tasks[name]
        if task.cancelled():
            return CallState(started=started, done=True, error=asyncio.CancelledError())
        return CallState(started=started, done=True, result=None if task.exception() else task.result(),
                         error=task.exception())

    def cancel(self, name: str) -> None:
        entry = self._tasks.pop(name, None)
        if entry is not None:
            entry[1].cancel()

    async def close(self) -> None:
        tasks = [task for _, task in self._tasks.values()]
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


INFLIGHT: web.AppKey[InFlight] = web.AppKey("inflight", InFlight)

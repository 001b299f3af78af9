"""Submits of a burst go out a few at a time, each once the answers to those before it are recorded.

A burst of creates reaches the upstream call together: the store hands the recorded jobs back in batches (the
SQLite store's thread runs a batch per GIL switch interval, 5 ms) and the event loop then sends every one of the
batch before it reads a single answer. The upstream accepts each as it arrives (and bills it) while the answers
wait in the loop behind the remaining sends, and a SIGKILL in that time loses every operation of the batch
whose name is not yet recorded: 10 to 60 (issue 25 item 8). Paced, at most WIDTH submits are out whose answer is
not yet recorded, so a kill finds at most that many (bench/submit_interrupted.py: WIDTH 2 lost 5.1 % of the
accepted operations on SQLite, WIDTH 1 2.7 %; the target is 5 %).

A slot is also given back HOLD seconds after its submit went out, whatever the answer: Google answers
predictLongRunning in a few hundred ms, and waiting for each would serialise a burst (60 creates, 10 s). So a
burst goes out at WIDTH per HOLD at worst (60 creates: 0.6 s), and when answers are quicker than that, as fast as
they are recorded.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

WIDTH = 1
HOLD = 0.01


class SubmitPacing:
    def __init__(self, width: int = WIDTH, hold: float = HOLD):
        self.hold = hold
        self._free = asyncio.Semaphore(width)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Held from the submit until its operation name is recorded, or for ``hold`` seconds if that is less."""
        await self._free.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._free.release()

        timer = asyncio.get_running_loop().call_later(self.hold, release)
        try:
            yield
        finally:
            timer.cancel()
            release()

"""One thread that runs a store's calls one at a time, in order, with a lane for the urgent ones.

The SQLite store serializes every call on one thread (one writer per process). Under a burst of creates its
queue holds dozens of calls (the cap check and insert of each new job, ledger reservations, page reads). The write
that records the operation name Google just returned is made on the event loop's thread instead
(proxy/jobs/sqlite_records.py); when another writer holds the file's lock past a few ms, it comes here as an
urgent call, which goes before every call still waiting (issue 25.8).
"""
from __future__ import annotations

import concurrent.futures
import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

URGENT, NORMAL, LAST = 0, 1, 2


class LaneExecutor:
    def __init__(self, name: str):
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, urgent: bool = False) -> concurrent.futures.Future:
        if self._closed:
            raise RuntimeError("the store's thread is shut down")
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._queue.put((URGENT if urgent else NORMAL, next(self._order), fn, args, future))
        return future

    def _work(self) -> None:
        while True:
            _, _, fn, args, future = self._queue.get()
            if fn is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller, as ThreadPoolExecutor does
                future.set_exception(exc)

    def shutdown(self, wait: bool = True) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put((LAST, next(self._order), None, (), None))  # after every call still waiting
        if wait:
            self._thread.join()

"""Log lines written in batches: one write per batch instead of a write and a flush per line.

At thousands of requests a second the access log's per-line write+flush was ~10 % of the proxy's CPU.
Each record is still formatted (and redacted by the handler's filters) as it comes; lines reach the
stream when a batch is full, every ``interval`` seconds, at once for a WARNING or worse, and at exit.
Batches go out in pieces of at most PIPE_BUF bytes cut at line ends, so the workers of
`serve --workers N` sharing one stderr pipe never interleave inside a line.
"""
from __future__ import annotations

import logging
import os
import select
import threading
import time

PIPE_BUF = getattr(select, "PIPE_BUF", 4096)


class CachedTimeFormatter(logging.Formatter):
    """logging.Formatter with the date and time text made once per second, not once per line."""

    def __init__(self, fmt: str):
        super().__init__(fmt)
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return self._time(record.created, record.msecs)

    def _time(self, created: float, msecs: float) -> str:
        second = int(created)
        if second != self._second:
            self._text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(created))
            self._second = second
        return f"{self._text},{int(msecs):03d}"

    def line(self, levelname: str, name: str, message: str) -> str:
        """What format() makes of a record with this level, logger name and message, without the record."""
        created = time.time()
        return self._style._fmt % {"asctime": self._time(created, (created - int(created)) * 1000),
                                   "levelname": levelname, "name": name, "message": message}


class BatchedStreamHandler(logging.StreamHandler):
    def __init__(self, stream, interval: float = 0.2, max_lines: int = 256):
        super().__init__(stream)
        self.interval = interval
        self.max_lines = max_lines
        self._lines: list[str] = []
        self._last = time.monotonic()
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):
            self._fd = None  # a stream without a file (tests): plain writes
        lock = self.lock
        assert lock is not None  # logging.Handler.__init__ made it (typeshed types Handler.lock as optional)
        self._batch_lock = lock
        threading.Thread(target=self._tick, name="genproxy-log-flush", daemon=True).start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        with self._batch_lock:
            self._lines.append(line)
            if (record.levelno >= logging.WARNING or len(self._lines) >= self.max_lines
                    or time.monotonic() - self._last >= self.interval):
                self._write()

    def emit_line(self, levelname: str, name: str, message: str) -> None:
        """A pre-formatted INFO line (the access log): no LogRecord, same text as emit() would write,
        redacted by the same filters."""
        formatter = self.formatter
        if not isinstance(formatter, CachedTimeFormatter):  # sole_batched_handler checks it before use
            raise TypeError("emit_line needs a CachedTimeFormatter")
        line = formatter.line(levelname, name, message)
        for found in self.filters:
            redact = getattr(found, "redact", None)
            if redact is not None:
                line = redact(line)
        with self._batch_lock:
            self._lines.append(line)
            if len(self._lines) >= self.max_lines or time.monotonic() - self._last >= self.interval:
                self._write()

    def flush(self) -> None:
        with self._batch_lock:
            self._write()

    def _write(self) -> None:
        self._last = time.monotonic()
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        try:
            if self._fd is None:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
                return
            self.stream.flush()  # anything written to the stream directly goes first
            piece: list[bytes] = []
            size = 0
            for line in lines:
                data = (line + "\n").encode("utf-8", "backslashreplace")
                if piece and size + len(data) > PIPE_BUF:
                    _write_all(self._fd, b"".join(piece))
                    piece, size = [], 0
                piece.append(data)
                size += len(data)
            if piece:
                _write_all(self._fd, b"".join(piece))
        except (OSError, ValueError):
            pass  # stderr closed: nowhere left to report it

    def _tick(self) -> None:
        while True:
            time.sleep(self.interval)
            if self._lines and time.monotonic() - self._last >= self.interval:
                self.flush()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def sole_batched_handler(logger: logging.Logger) -> BatchedStreamHandler | None:
    """The handler a record of ``logger`` at INFO would reach, when it is one BatchedStreamHandler with a
    CachedTimeFormatter and nothing else (no filter or other handler on the way); else None (tests, embedding)."""
    if not logger.isEnabledFor(logging.INFO) or logger.filters or logger.handlers or not logger.propagate:
        return None
    root = logger.root
    parent = logger.parent
    while parent is not None and parent is not root:
        if parent.filters or parent.handlers or not parent.propagate:
            return None
        parent = parent.parent
    if root.filters or len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if type(handler) is not BatchedStreamHandler or not isinstance(handler.formatter, CachedTimeFormatter) \
            or handler.level > logging.INFO:
        return None
    return handler

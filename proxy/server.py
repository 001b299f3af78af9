"""How `genproxy serve` runs the app: aiohttp's AppRunner with a request handler that keeps the logs
useful under hostile input.

A malformed HTTP request (a broken request line, a bad header, a line past 8190 bytes) is answered
with an OpenAI-shaped 400 and logged as one INFO line (like the access log's line for a request),
not as aiohttp's 11-line traceback at ERROR: anyone who can reach the port can send one, so it is the
client's problem, not the server's.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("genproxy.server")


class RateLimitedLog:
    """Log a kind of event at most once per ``interval`` seconds, saying how many were not logged."""

    def __init__(self, logger: logging.Logger, interval: float, level: int = logging.WARNING):
        self.logger, self.interval, self.level = logger, interval, level
        self._last = float("-inf")
        self._suppressed = 0

    def __call__(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            return
        if self._suppressed:
            message += f" ({self._suppressed} more in the last {now - self._last:.0f} s not logged)"
        self._last, self._suppressed = now, 0
        self.logger.log(self.level, message, *args)


def _first_line(exc: HttpProcessingError) -> str:
    text = (exc.message or "").strip().splitlines()
    return text[0].strip().rstrip(":")[:200] if text else f"HTTP {exc.code}"


def bad_request_body(exc: HttpProcessingError) -> bytes:
    return json.dumps({"error": {"message": f"Malformed HTTP request: {_first_line(exc)}.",
                                 "type": "invalid_request_error", "param": None,
                                 "code": "bad_http_request"}}).encode()


class GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, with one-line logs for malformed requests."""

    __slots__ = ("_guard", "_quiet")

    def __init__(self, manager: "GuardedServer", **kwargs: Any):
        super().__init__(manager, **kwargs)
        self._guard = manager.guard
        self._quiet = False

    def handle_error(self, request, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        log.info("malformed HTTP request from %s: %s %s", request.remote,
                                    exc.code or status, _first_line(exc))
        self._quiet = True  # aiohttp's handle_error logs the traceback through log_exception
        try:
            super().handle_error(request, status, exc, message)
        finally:
            self._quiet = False
        response = web.Response(status=exc.code or 400, body=bad_request_body(exc), content_type="application/json")
        response.force_close()
        return response

    def log_exception(self, *args: Any, **kw: Any) -> None:
        if not self._quiet:
            super().log_exception(*args, **kw)


class ConnectionGuard:
    """What the connections of one server share: the limits and the rate-limited logs."""

    def __init__(self, error_log_interval: float):
        self.error_log_interval = error_log_interval


class GuardedServer(web.Server):
    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.guard = guard

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    """web.AppRunner whose server makes GuardedRequestHandlers."""

    def __init__(self, app: web.Application, guard: ConnectionGuard, **kwargs: Any):
        super().__init__(app, **kwargs)
        self.guard = guard

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts the app; its kwargs are the handler's settings
        return GuardedServer(plain.request_handler, request_factory=plain.request_factory,
                             handler_cancellation=plain.handler_cancellation, loop=plain._loop,
                             guard=self.guard, **plain._kwargs)

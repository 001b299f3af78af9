"""How `genproxy serve` runs the app: aiohttp's AppRunner with a request handler that bounds what a
client can hold and keeps the logs useful under hostile input.

Connections are bounded (issue 14.4):

- ``header_timeout``: a new connection must deliver its first request's line and headers within it,
  else it gets a 408 and is closed (a connection that sends nothing holds a file descriptor forever
  otherwise: aiohttp has no such timeout);
- ``body_timeout``: while a handler waits for a request body, the client may pause at most this long
  between bytes;
- ``idle_timeout``: a kept-alive connection between requests (aiohttp's keepalive_timeout, also
  for a next request whose headers arrive too slowly);
- ``max_connections``: open client connections, lowered at start-up to fit the file-descriptor limit
  (each client may need an upstream connection too). At the cap the oldest idle connection (no
  request in progress) is closed to make room; when every connection is busy the new one gets a
  503 with ``Retry-After`` and is closed, before the process runs out of descriptors;
- accept errors (``EMFILE`` and the like) are logged once per ``error_log_interval``, not as a
  traceback per attempt.

A malformed HTTP request (a broken request line, a bad header, a line past 8190 bytes) is answered
with an OpenAI-shaped 400 and logged as one INFO line (like the access log's line for a request),
not as aiohttp's 11-line traceback at ERROR: anyone who can reach the port can send one, so it is the
client's problem, not the server's.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import resource
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


def _raw_response(status: str, message: str, code: str, retry_after: int | None = None) -> bytes:
    """A whole HTTP response written straight to a transport (no request was parsed)."""
    body = json.dumps({"error": {"message": message, "type": "server_error" if status.startswith("5") else
                                 "invalid_request_error", "param": None, "code": code}}).encode()
    retry = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"{retry}Connection: close\r\n\r\n").encode() + body


REFUSED = _raw_response("503 Service Unavailable", "Too many open connections; retry shortly.",
                        "too_many_connections", retry_after=1)
HEADERS_TOO_SLOW = _raw_response("408 Request Timeout", "The request headers did not arrive in time.",
                                 "request_timeout")
#: file descriptors kept for everything but client connections (listening sockets, SQLite, logs, media files)
RESERVED_FDS = 64


def raise_fd_limit(wanted: int = 65536) -> None:
    """Raise the soft RLIMIT_NOFILE towards the hard one (many systems start processes at 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def connection_budget(configured: int) -> int:
    """``configured``, lowered so that every connection plus one upstream connection each fits the fd limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, (soft - RESERVED_FDS) // 2))


class GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol with the guard's limits and one-line logs for malformed requests."""

    __slots__ = ("_guard", "_quiet", "_refused", "_opened_at", "_last_read", "_watchdog")

    def __init__(self, manager: GuardedServer, **kwargs: Any):
        super().__init__(manager, **kwargs)
        self._guard = manager.guard
        self._quiet = False
        self._refused = False
        self._opened_at = self._last_read = 0.0
        self._watchdog: asyncio.TimerHandle | None = None

    # -- the connection's life --
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard.admit(self):
            self._refused = True
            transport.write(REFUSED)  # type: ignore[attr-defined]
            transport.close()
            return
        super().connection_made(transport)
        self._opened_at = self._last_read = self._loop.time()
        self._watchdog = self._loop.call_later(self._guard.check_every, self._watch)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._refused:
            return
        self._guard.forget(self)
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._last_read = self._loop.time()
        super().data_received(data)

    def idle(self) -> bool:
        """Waiting for a request (none parsed, none running): safe to close."""
        waiter = self._waiter
        return (waiter is not None and not waiter.done() and not self._messages
                and not self._request_in_progress and self._current_request is None)

    def evict(self) -> None:
        self.force_close()

    def _watch(self) -> None:
        self._watchdog = None
        if self.transport is None or self._force_close:
            return
        now = self._loop.time()
        guard = self._guard
        if self._request_count == 0 and now - self._opened_at >= guard.header_timeout:
            guard.timeout_log("closed a connection from %s: no complete request headers in %.0f s",
                              self._peer(), guard.header_timeout)
            self.transport.write(HEADERS_TOO_SLOW)
            self.force_close()
            return
        if self._reading_paused:
            self._last_read = now  # aiohttp stopped reading (the handler is behind): not the client's pause
        request = self._current_request
        if (request is not None and not request.content.is_eof()
                and now - self._last_read >= guard.body_timeout):
            guard.timeout_log("closed a connection from %s: its request body paused for %.0f s",
                              self._peer(), guard.body_timeout)
            self.force_close()
            return
        self._watchdog = self._loop.call_later(guard.check_every, self._watch)

    def _peer(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport is not None else None
        return str(peer[0]) if isinstance(peer, tuple) and peer else "?"

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
    """What the connections of one server share: the limits, the open connections (oldest first) and the
    rate-limited logs."""

    def __init__(self, *, max_connections: int = 4096, header_timeout: float = 10.0, body_timeout: float = 30.0,
                 error_log_interval: float = 10.0):
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.check_every = max(0.05, min(header_timeout, body_timeout) / 4)
        self.open: dict[GuardedRequestHandler, None] = {}  # insertion order: oldest first
        self.refusal_log = RateLimitedLog(log, error_log_interval)
        self.eviction_log = RateLimitedLog(log, error_log_interval, logging.INFO)
        self.timeout_log = RateLimitedLog(log, error_log_interval, logging.INFO)
        self.accept_log = RateLimitedLog(log, error_log_interval, logging.ERROR)

    @classmethod
    def from_settings(cls, settings) -> ConnectionGuard:
        budget = connection_budget(settings.max_connections)
        if budget < settings.max_connections:
            log.warning("max_connections %d lowered to %d to fit the file descriptor limit (%d)",
                        settings.max_connections, budget, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        return cls(max_connections=budget, header_timeout=settings.header_timeout,
                   body_timeout=settings.body_timeout, error_log_interval=settings.error_log_interval)

    def admit(self, handler: GuardedRequestHandler) -> bool:
        if len(self.open) >= self.max_connections:
            victim = next((h for h in self.open if h.idle()), None)
            if victim is None:
                self.refusal_log("%d connections open, every one busy: refusing new connections with 503",
                                 len(self.open))
                return False
            self.open.pop(victim)
            victim.evict()
            self.eviction_log("%d connections open (max_connections): closing idle ones for new clients",
                              self.max_connections)
        self.open[handler] = None
        return True

    def forget(self, handler: GuardedRequestHandler) -> None:
        self.open.pop(handler, None)

    def install_accept_error_log(self, loop: asyncio.AbstractEventLoop) -> None:
        """asyncio logs a traceback for every failed accept() (EMFILE under a flood): one line per interval."""
        previous = loop.get_exception_handler()

        def handle(loop: asyncio.AbstractEventLoop, context: dict) -> None:
            if str(context.get("message", "")).startswith("socket.accept() out of system resource"):
                self.accept_log("cannot accept connections: %s (%d open)", context.get("exception"), len(self.open))
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handle)


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


def settle_heap() -> None:
    """After start-up: move what start-up made (routes, plugins, pydantic's schemas, the price table) out of the
    garbage collector's way, and collect the young generation 14x less often.

    A request's objects die by reference counting; the cyclic collector only re-scans survivors, and at the default
    threshold (700 allocations) it ran several times per request. Measured at c=64 on the text path
    (bench/README.md, "The text path"): ~20 µs less CPU per request (-10 %), the same as switching it off."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)

"""A small keep-alive HTTP/1.1 client for Google's JSON calls (generateContent, operations, interactions).

Why not aiohttp's ClientSession for these: on the text path it is the largest single cost of a request. Measured on
this machine (bench/README.md, "The upstream client"): one JSON POST to the emulator at concurrency 64 costs ~69 µs
of CPU through ``ClientSession.request`` + ``read`` and ~26 µs through this client (httptools' C parser, the
request head written in one piece, no cookie jar, tracing or payload objects). aiohttp stays for everything
else (streams, media downloads, OAuth), and for this too when ``upstream_client: aiohttp`` is set.

What it does, and what it leaves out on purpose:
- One pool of idle connections per origin (scheme, host, port); an idle connection is dropped after
  ``keepalive`` seconds (aiohttp's default, 15 s, well under Google's front ends' idle timeout), when the server
  closes it, or when a response asked for ``Connection: close``.
- TLS with the system's trust store (``ssl.create_default_context()``, as aiohttp), SNI and hostname checks.
- Redirects are never followed (the caller treats a 3xx as an error): credentials go to the exact URL only.
- A request that fails on a *reused* connection before any byte of the answer came is sent again on a new
  connection only when its method is idempotent (GET: an operation poll); a POST is never sent twice, as with
  aiohttp (no job is ever paid twice).
- gzip/deflate answers are decompressed; no proxy support (genproxy runs with ``trust_env=False`` anyway).
- Every answer is bounded (issue 25.6: a 2 GiB body took 2.1 GB of memory, a 1 MB gzip bomb 1.2 GB, one 64 MiB
  header blocked the event loop 6.6 s): its head (status line and headers) by ``MAX_HEAD_BYTES``, its body as
  sent and again once decompressed by ``max_body`` (setting ``max_upstream_reply_bytes``). Past a cap the
  connection is closed at once, nothing more is read, and UpstreamReplyTooLarge is raised.
"""
from __future__ import annotations

import asyncio
import collections
import ssl
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import aiohttp
import httptools
from multidict import CIMultiDict, CIMultiDictProxy

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_PORTS = {"https": 443, "http": 80}
USER_AGENT = "genproxy"
# Characters that may stand in a request target as they are; anything else is percent-encoded (as yarl does for
# aiohttp). '%' stays, so an already encoded path is not encoded twice.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
QUERY_SAFE = PATH_SAFE + "?"
#: Status line and headers of one answer. Google's are ~1-2 KB; aiohttp refuses any header line past 8190 bytes.
MAX_HEAD_BYTES = 64 * 1024
#: Default cap of a body, as sent and decompressed: the largest real JSON answer is a Vertex AI Veo operation
#: with its videos inline (bytesBase64Encoded; up to 4 samples of 8 s at 4k), tens of MB; an image is a few MB.
DEFAULT_MAX_BODY = 256 * 1024 * 1024


class UpstreamReplyTooLarge(Exception):
    """An answer past a cap of the client (its head, its body, or its body decompressed)."""


class UpstreamConnectionError(aiohttp.ClientConnectionError):
    """The connection failed or closed before a whole answer came (an aiohttp.ClientError, so callers that
    handle aiohttp's errors handle these the same way)."""


class MalformedAnswer(UpstreamConnectionError):
    """The server answered, but not in HTTP: it was reached (not an 'unreachable' upstream)."""


class _NotSent(UpstreamConnectionError):
    """The pooled connection was already closing: nothing was written, so any request may go again."""


@dataclass
class FullReply:
    """A whole HTTP answer, with the few parts of aiohttp's ClientResponse the upstreams use."""

    status: int
    raw_headers: list[tuple[bytes, bytes]]
    body: bytes
    _headers: CIMultiDictProxy | None = field(default=None, repr=False)

    @property
    def headers(self) -> CIMultiDictProxy:
        if self._headers is None:
            self._headers = CIMultiDictProxy(CIMultiDict(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers))
        return self._headers

    async def read(self) -> bytes:
        return self.body

    def release(self) -> None:
        return None


@dataclass(frozen=True)
class _Target:
    origin: tuple[str, str, int]
    host_header: str
    request_target: str


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None for anything not http(s)
    (the pool's key here; Upstream.trusted compares it with the configured base URL's)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port
    except ValueError:  # a port that is not a number or out of range
        return None
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port if port is not None else DEFAULT_PORTS[scheme]


def _split(url: str) -> _Target:
    origin = origin_of(url)
    if origin is None:
        raise UpstreamConnectionError(f"not an http(s) URL with a host and a valid port: {url.split(':', 1)[0]}://…")
    if any(c in url for c in "\r\n\t ") or any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise UpstreamConnectionError("the URL holds whitespace or control characters")
    parts = urlsplit(url)
    scheme, host, port = origin
    netloc = f"[{host}]" if ":" in host else host
    host_header = netloc if port == DEFAULT_PORTS[scheme] else f"{netloc}:{port}"
    target = quote(parts.path or "/", safe=PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=QUERY_SAFE)
    return _Target(origin, host_header, target)


def _content_encoding(raw_headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in raw_headers:
        if len(name) == 16 and name.lower() == b"content-encoding":
            return value.decode("latin-1").strip().lower()
    return ""


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection: sends a request, parses its answer, then waits idle in the pool."""

    max_body = DEFAULT_MAX_BODY

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.idle_since = 0.0
        self.got_bytes = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._until_eof = False
        self._drain: asyncio.Future | None = None
        self._in_head = True
        self._head_bytes = 0
        self._body_bytes = 0

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)  # the sender goes on to its waiter, which fails just below
        if self.waiter is not None and not self.waiter.done():
            if self._until_eof:  # an answer without length or chunks ends when the connection does
                self._complete(keep_alive=False)
            else:
                self.waiter.set_exception(UpstreamConnectionError(
                    "the server closed the connection" + (" mid-answer" if self.got_bytes else " before answering")))

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        if self.waiter is None:  # bytes nobody asked for: this connection cannot be trusted any more
            self.close()
            return
        try:
            self.parser.feed_data(data)
            if self._in_head:
                # Counted per read, not per header: httptools joins a header's pieces itself (quadratic in a
                # huge one), so the check must come before much of one has arrived.
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._fail(UpstreamReplyTooLarge(f"its headers are over {MAX_HEAD_BYTES // 1024} KiB"))
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamConnectionError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            cause = exc.__context__ or exc.__cause__
            if isinstance(cause, UpstreamReplyTooLarge):
                self._fail(cause)
            else:
                self._fail(MalformedAnswer(f"malformed HTTP answer ({exc.__class__.__name__})"))
        except UpstreamReplyTooLarge as exc:
            self._fail(exc)

    def pause_writing(self) -> None:
        self._drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self._drain = None

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._headers, self._body = [], []
        self._in_head, self._head_bytes, self._body_bytes = True, 0, 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:
            return
        self._in_head = False
        has_length = any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in self._headers)
        self._until_eof = not has_length and self.parser.get_status_code() not in (204, 304)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.max_body:
            self._body = []
            raise UpstreamReplyTooLarge(f"its body is over {self.max_body // (1024 * 1024)} MiB")
        self._body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:  # an interim answer; the real one follows
            return
        self._complete(self.parser.should_keep_alive())

    # ours
    def _complete(self, keep_alive: bool) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is None or waiter.done():
            return
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        waiter.set_result((self.parser.get_status_code(), self._headers, body, keep_alive and not self._until_eof))
        self._headers, self._body = [], []

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()

    async def send(self, head: bytes, body: bytes, deadline: float | None):
        """Write the request; the answer, or asyncio.TimeoutError at ``deadline`` (loop time). One timer handle
        instead of an asyncio.timeout block: ~2.5 % of a text request's CPU went to the latter."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        self.got_bytes = False
        self._until_eof = False
        transport = self.transport
        assert transport is not None  # pooled connections are connected (connection_made ran)
        if transport.is_closing():  # the server's FIN came in, connection_lost is yet to run
            self.waiter = None
            raise _NotSent("the pooled connection was closing")
        timer = loop.call_at(deadline, self._time_out) if deadline is not None else None
        try:
            transport.writelines((head, body) if body else (head,))
            if self._drain is not None:
                await self._drain
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()

    def _time_out(self) -> None:
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)  # the sender goes on to its waiter, which fails just below
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(TimeoutError())
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http1Client:
    """Keep-alive connection pools per origin; ``request`` returns the whole answer as a FullReply."""

    def __init__(self, keepalive: float = 15.0, max_idle_per_origin: int = 256, tls: ssl.SSLContext | None = None,
                 max_body: int = DEFAULT_MAX_BODY):
        self.keepalive = keepalive
        self.max_body = max_body
        self.max_idle_per_origin = max_idle_per_origin
        self._idle: dict[tuple[str, str, int], collections.deque[_Connection]] = {}
        self._targets: dict[str, _Target] = {}
        self._ssl = tls  # None: the system's trust store, made when first needed
        self._closed = False

    async def request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                      total: float | None, connect: float | None) -> FullReply:
        """Send one request and read its whole answer within ``total`` seconds (asyncio.TimeoutError past it)."""
        target = self._target(url)
        head = self._head(method, target, headers, len(body) if body is not None else None)
        deadline = asyncio.get_running_loop().time() + total if total is not None else None
        for attempt in (1, 2):
            conn, reused = await self._connection(target.origin, connect, deadline)
            try:
                status, raw_headers, data, keep_alive = await conn.send(head, body or b"", deadline)
            except UpstreamConnectionError as exc:
                conn.close()
                # A reused connection the server had closed while it sat idle: nothing of the request was
                # answered. Only an idempotent request may go again (a POST might have been acted on), but
                # any may when nothing of it was written.
                if attempt == 1 and reused and (isinstance(exc, _NotSent)
                                                or (not conn.got_bytes and method in IDEMPOTENT)):
                    continue
                raise
            except BaseException:  # cancelled or timed out mid-request: the connection's state is unknown
                conn.close()
                raise
            if keep_alive and not self._closed:
                self._release(target.origin, conn)
            else:
                conn.close()
            break
        reply = FullReply(status, raw_headers, data)
        encoding = _content_encoding(raw_headers) if data else ""
        if encoding in ("gzip", "deflate"):
            inflate = zlib.decompressobj(47)  # 47: a gzip or zlib header, detected
            try:
                reply.body = inflate.decompress(data, self.max_body + 1)
            except zlib.error as exc:
                raise MalformedAnswer(f"the {encoding} answer does not decompress ({exc})") from None
            if len(reply.body) > self.max_body or inflate.unconsumed_tail:
                reply.body = b""
                raise UpstreamReplyTooLarge(f"its body is over {self.max_body // (1024 * 1024)} MiB decompressed")
        return reply

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            target = _split(url)
            if len(self._targets) > 4096:  # URLs with operation names are many; keep the cache bounded
                self._targets.clear()
            self._targets[url] = target
        return target

    @staticmethod
    def _head(method: str, target: _Target, headers: dict[str, str], length: int | None) -> bytes:
        lines = [f"{method} {target.request_target} HTTP/1.1\r\nHost: {target.host_header}\r\n"
                 f"User-Agent: {USER_AGENT}\r\nAccept-Encoding: gzip, deflate\r\n"]
        if length is not None:
            lines.append(f"Content-Type: application/json\r\nContent-Length: {length}\r\n")
        elif method in BODY_METHODS:
            lines.append("Content-Length: 0\r\n")  # Google's front ends answer 411 to a POST without a length
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
                # A header from a credential file with a line break would smuggle headers of its own.
                raise UpstreamConnectionError(f"refusing to send the header {name!r}: it holds a line break")
            lines.append(f"{name}: {value}\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1", "strict")

    async def _connection(self, origin: tuple[str, str, int], connect: float | None,
                          deadline: float | None) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.transport is not None and not conn.transport.is_closing() \
                    and now - conn.idle_since < self.keepalive:
                return conn, True
            conn.close()
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._tls() if scheme == "https" else None
        limit = loop.time() + connect if connect is not None else None
        if deadline is not None:
            limit = deadline if limit is None else min(limit, deadline)
        try:
            async with asyncio.timeout_at(limit):
                _, conn = await loop.create_connection(_Connection, host, port, ssl=tls,
                                                       server_hostname=host if tls else None)
                conn.max_body = self.max_body
        except OSError as exc:
            raise UpstreamConnectionError(f"cannot connect: {exc.__class__.__name__}") from None
        return conn, False

    def _release(self, origin: tuple[str, str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(origin, collections.deque())
        if len(idle) >= self.max_idle_per_origin:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def idle_connections(self) -> int:
        return sum(len(d) for d in self._idle.values())

    async def close(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        self._idle.clear()

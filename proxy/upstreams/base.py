"""What every Google backend shares: sending with a credential from the pool, failover, downloads."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

from proxy.credentials import Credential, CredentialPool
from proxy.errors import ApiError
from proxy.upstreams.errors import google_error, malformed_reply, upstream_timeout, upstream_unreachable

log = logging.getLogger("genproxy.upstream")

GOOGLE_DOMAINS = ("googleapis.com", "googleusercontent.com")
MAX_REDIRECTS = 5


@dataclass
class Operation:
    """A long-running operation started upstream, and the credential that must poll it."""

    name: str
    credential_id: str | None


@dataclass
class Download:
    """An open media download."""

    content_type: str
    content_length: int | None
    chunks: AsyncIterator[bytes]


class Upstream:
    """Base of the backends. Subclasses build URLs and bodies; this class sends them."""

    name = "upstream"

    def __init__(self, session: aiohttp.ClientSession, pool: CredentialPool, base_url: str, timeout: float = 120.0):
        self.session = session
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 15))
        self._trusted_hosts = {urlsplit(self.base_url).hostname}

    # -- what the plugins call (a backend overrides those it supports) --
    async def generate_content(self, model: str, body: dict) -> dict:
        raise self._unsupported("generateContent")

    def stream_generate_content(self, model: str, body: dict) -> AsyncIterator[dict]:
        raise self._unsupported("streamGenerateContent")

    async def predict_long_running(self, model: str, body: dict) -> Operation:
        raise self._unsupported("predictLongRunning (video)")

    async def get_operation(self, model: str, name: str, credential_id: str | None) -> dict:
        raise self._unsupported("operations")

    def _unsupported(self, what: str) -> ApiError:
        return ApiError(400, f"The '{self.name}' upstream does not support {what}; route this model to another upstream in routes.yaml.",
                        code="unsupported_by_upstream")

    # -- sending --
    def trusted(self, url: str) -> bool:
        """Credentials go only to the configured host and Google's own domains."""
        host = (urlsplit(url).hostname or "").lower()
        return host in self._trusted_hosts or any(host == d or host.endswith("." + d) for d in GOOGLE_DOMAINS)

    async def extra_headers(self, credential: Credential) -> dict[str, str]:
        return {}

    async def headers_for(self, credential: Credential) -> dict[str, str]:
        headers = await credential.auth_headers()
        headers.update(await self.extra_headers(credential))
        return headers

    async def send_json(self, method: str, url: str, body: dict | None = None,
                        credential_id: str | None = None) -> tuple[dict, Credential]:
        """Send with the pool's next credential; on 429/401/403 try the next one.

        With ``credential_id`` the call is pinned to that credential (operations
        belong to the project that created them).
        """
        tried: set[str] = set()
        while True:
            credential = self._pinned(credential_id) if credential_id else self.pool.pick(exclude=tried)
            tried.add(credential.id)
            try:
                async with self.session.request(method, url, json=body, headers=await self.headers_for(credential),
                                                timeout=self.timeout, allow_redirects=False) as resp:
                    raw = await resp.read()
                    status, retry_after = resp.status, _retry_after(resp)
            except asyncio.TimeoutError:
                raise upstream_timeout(self.name, url_path(url)) from None
            except aiohttp.ClientError as exc:
                raise upstream_unreachable(self.name, exc) from None
            if status < 400:
                self.pool.report_success(credential)
                try:
                    return json.loads(raw), credential
                except ValueError:
                    raise malformed_reply(self.name, url_path(url)) from None
            err = google_error(self.name, status, raw, retry_after)
            log.warning("%s %s -> %s with credential %s", method, url_path(url), status, credential.id)
            if status == 429:
                self.pool.report_quota(credential, _retry_seconds(err))
            elif status in (401, 403):
                self.pool.report_auth_failure(credential)
            else:
                raise err
            if credential_id or len(tried) >= len(self.pool):
                if status == 429:
                    # Every credential was tried: tell the client when one is free again.
                    try:
                        self.pool.pick()
                    except ApiError as cooling:
                        if cooling.status == 429:
                            err.headers["Retry-After"] = cooling.headers["Retry-After"]
                raise err

    def _pinned(self, credential_id: str) -> Credential:
        credential = self.pool.get(credential_id)
        if credential is None:
            raise ApiError(502, f"The credential {credential_id} that started this operation is no longer configured.",
                           code="credential_gone")
        return credential

    async def stream_sse(self, url: str, body: dict) -> AsyncIterator[dict]:
        """POST and yield each `data:` event of the SSE reply as it arrives."""
        credential = self.pool.pick()
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=self.timeout.total)
        try:
            async with self.session.post(url, json=body, headers=await self.headers_for(credential),
                                         timeout=timeout, allow_redirects=False) as resp:
                if resp.status >= 400:
                    err = google_error(self.name, resp.status, await resp.read(), _retry_after(resp))
                    if resp.status == 429:
                        self.pool.report_quota(credential, _retry_seconds(err))
                    raise err
                self.pool.report_success(credential)
                async for line in resp.content:
                    line = line.strip()
                    if not line.startswith(b"data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == b"[DONE]":
                        return
                    try:
                        yield json.loads(payload)
                    except ValueError:
                        raise malformed_reply(self.name, "stream event") from None
        except asyncio.TimeoutError:
            raise upstream_timeout(self.name, url_path(url)) from None
        except aiohttp.ClientPayloadError:
            raise ApiError(502, f"The {self.name} upstream closed the stream early.", code="upstream_stream_broken") from None
        except aiohttp.ClientError as exc:
            raise upstream_unreachable(self.name, exc) from None

    @asynccontextmanager
    async def download(self, uri: str, credential_id: str | None = None, max_bytes: int | None = None):
        """Open a media download, following redirects by hand so credentials never leave Google's hosts."""
        credential = self.pool.get(credential_id) if credential_id else (self.pool.pick() if len(self.pool) else None)
        url = uri
        for _ in range(MAX_REDIRECTS + 1):
            headers = await self.headers_for(credential) if credential and self.trusted(url) else {}
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=self.timeout.total)
            try:
                resp = await self.session.get(url, headers=headers, timeout=timeout, allow_redirects=False)
            except asyncio.TimeoutError:
                raise upstream_timeout(self.name, "download") from None
            except aiohttp.ClientError as exc:
                raise upstream_unreachable(self.name, exc) from None
            if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                url = urljoin(url, resp.headers["Location"])
                resp.release()
                continue
            try:
                if resp.status >= 400:
                    raise google_error(self.name, resp.status, await resp.read())
                if max_bytes and resp.content_length and resp.content_length > max_bytes:
                    raise ApiError(502, f"The generated file is {resp.content_length} bytes, over the {max_bytes} byte limit.",
                                   code="media_too_large")
                yield Download(content_type=resp.headers.get("Content-Type", "application/octet-stream"),
                               content_length=resp.content_length, chunks=_chunks(resp, self.name))
            finally:
                resp.release()
            return
        raise ApiError(502, f"The {self.name} upstream redirected the download too many times.", code="upstream_redirect_loop")


async def _chunks(resp: aiohttp.ClientResponse, name: str, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    try:
        async for chunk in resp.content.iter_chunked(size):
            yield chunk
    except asyncio.TimeoutError:
        raise upstream_timeout(name, "download") from None
    except aiohttp.ClientPayloadError:
        raise ApiError(502, f"The {name} upstream cut the download off before the end.", code="download_incomplete") from None


def url_path(url: str) -> str:
    """A URL without its query string, which may carry a key."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _retry_after(resp: aiohttp.ClientResponse) -> float | None:
    try:
        return float(resp.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _retry_seconds(err: ApiError) -> float | None:
    try:
        return float(err.headers["Retry-After"])
    except (KeyError, ValueError):
        return None

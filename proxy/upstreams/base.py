"""What every Google backend shares: sending with a credential from the pool, failover, downloads."""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal, overload
from urllib.parse import urljoin, urlsplit

import aiohttp

from proxy.credentials import AUTH_FAILURE_COOLDOWN, Credential, CredentialPool, CredentialUnavailable
from proxy.credentials.base import STALE_TOKEN_COOLDOWN
from proxy.http.errors import ApiError
from proxy.http.jsonstream import dumps, loads
from proxy.ops.redact import scrub
from proxy.upstreams.errors import (
    credential_fault,
    google_error,
    google_error_reason,
    malformed_reply,
    upstream_timeout,
    upstream_unreachable,
)
from proxy.upstreams.events import DEFAULT_MAX_EVENT_BYTES, sse_data
from proxy.upstreams.http1 import FullReply, Http1Client, MalformedAnswer, UpstreamReplyTooLarge, origin_of

log = logging.getLogger("genproxy.upstream")

#: besides the configured base URL's host, credentials may go to Google's API hosts (https only).
#: Not googleusercontent.com: downloads redirected there are signed URLs that need no credentials.
GOOGLE_DOMAINS = ("googleapis.com",)
MAX_REDIRECTS = 5

UrlFor = Callable[[Credential], str]
BodyFor = Callable[[Credential], dict]


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


def _ignore(_status: str) -> None:
    return None


class Upstream:
    """Base of the backends. Subclasses build URLs and bodies; this class sends them."""

    name = "upstream"

    def __init__(self, session: aiohttp.ClientSession, pool: CredentialPool, base_url: str, timeout: float = 120.0):
        self.session = session
        self.pool = pool
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 15))
        self._origin = origin_of(self.base_url)
        self._trusted: dict[str, bool] = {}  # url -> may it carry credentials (a memo: parsing costs per request)
        # Told of every upstream answer: observe(status) with the HTTP status, "timeout" or "unreachable"
        # (the metrics wiring sets it).
        self.observe = _ignore
        # The whole-answer JSON calls go through this when set (build_upstreams sets it unless
        # ``upstream_client: aiohttp``); else through the aiohttp session, as everything else does.
        self.json_client: Http1Client | None = None
        # The largest stream event taken (Settings.upstream_max_event_bytes; proxy.upstreams.events).
        self.max_event_bytes = DEFAULT_MAX_EVENT_BYTES

    # -- what the plugins call (a backend overrides those it supports) --
    async def generate_content(self, model: str, body: dict) -> dict:
        raise self._unsupported("generateContent")

    def stream_generate_content(self, model: str, body: dict) -> AsyncIterator[dict]:
        raise self._unsupported("streamGenerateContent")

    async def count_tokens(self, model: str, body: dict) -> int:
        """The input tokens of a generateContent body (contents, systemInstruction, tools)."""
        raise self._unsupported("countTokens")

    async def predict_long_running(self, model: str, body: dict) -> Operation:
        raise self._unsupported("predictLongRunning (video)")

    async def get_operation(self, model: str, name: str, credential_id: str | None) -> dict:
        raise self._unsupported("operations")

    # The Interactions API (Gemini Omni video): create returns the Interaction and the credential that
    # must poll and cancel it (an interaction belongs to the project of the key that created it).
    async def create_interaction(self, body: dict, credential_id: str | None = None) -> tuple[dict, str | None]:
        raise self._unsupported("the Interactions API (Gemini Omni)")

    async def get_interaction(self, interaction_id: str, credential_id: str | None) -> dict:
        raise self._unsupported("the Interactions API (Gemini Omni)")

    async def cancel_interaction(self, interaction_id: str, credential_id: str | None) -> dict:
        raise self._unsupported("the Interactions API (Gemini Omni)")

    def _unsupported(self, what: str) -> ApiError:
        return ApiError(400, f"The '{self.name}' upstream does not support {what}; route this model to another upstream in routes.yaml.",
                        code="unsupported_by_upstream")

    # -- what a client may see of the upstream's text --
    def scrub(self, text: str) -> str:
        """Upstream text without this upstream's live secrets (keys, access and refresh tokens) and without
        its base URL, which may be an internal address."""
        return scrub(text, [s for c in self.pool.all() for s in c.secrets()],
                     [(self.base_url, f"<{self.name} upstream>")])

    def scrubbed(self, err: ApiError) -> ApiError:
        err.message = self.scrub(err.message)
        return err

    def _scrub_reply(self, reply):
        """A JSON reply's ``error.message`` (a failed operation, an error event) scrubbed; the rest unchanged."""
        error = reply.get("error") if isinstance(reply, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            error["message"] = self.scrub(error["message"])
        return reply

    # -- sending --
    def trusted(self, url: str) -> bool:
        """Credentials go only to the configured base URL's exact origin (scheme, host and port) and to
        Google's API hosts over https on port 443: not to the same host on another port, nor over http."""
        known = self._trusted.get(url)
        if known is None:
            known = self._trusted[url] = self._trusted_origin(origin_of(url))
            if len(self._trusted) > 4096:  # operation URLs are many: keep the memo bounded
                self._trusted.clear()
        return known

    def _trusted_origin(self, origin: tuple[str, str, int] | None) -> bool:
        if origin is None:
            return False
        if origin == self._origin:
            return True
        scheme, host, port = origin
        return scheme == "https" and port == 443 and any(host == d or host.endswith("." + d) for d in GOOGLE_DOMAINS)

    async def extra_headers(self, credential: Credential) -> dict[str, str]:
        return {}

    async def headers_for(self, credential: Credential) -> dict[str, str]:
        headers = await credential.auth_headers()
        headers.update(await self.extra_headers(credential))
        return headers

    async def send_json(self, method: str, url: str | UrlFor, body: dict | BodyFor | None = None,
                        credential_id: str | None = None, headers: dict[str, str] | None = None) -> tuple[dict, Credential]:
        """Send with the pool's next credential; on 429/401/403 try the next one.

        With ``credential_id`` the call is pinned to that credential (operations
        belong to the project that created them). ``url`` and ``body`` may be functions of
        the credential (a project id in the path or body).
        """
        resp, credential, target = await self._open(method, url, body, credential_id, self.timeout, headers,
                                                     whole=True)
        try:
            raw = await resp.read()
        except TimeoutError:
            raise upstream_timeout(self.name, shown_path(target)) from None
        except aiohttp.ClientError as exc:
            raise upstream_unreachable(self.name, exc) from None
        finally:
            resp.release()
        try:
            return self._scrub_reply(loads(raw)), credential
        except ValueError:
            raise malformed_reply(self.name, shown_path(target)) from None

    @overload
    async def _open(self, method: str, url: str | UrlFor, body: dict | BodyFor | None, credential_id: str | None,
                    timeout: aiohttp.ClientTimeout, extra: dict[str, str] | None = None, whole: Literal[False] = False
                    ) -> tuple[aiohttp.ClientResponse, Credential, str]: ...

    @overload
    async def _open(self, method: str, url: str | UrlFor, body: dict | BodyFor | None, credential_id: str | None,
                    timeout: aiohttp.ClientTimeout, extra: dict[str, str] | None = None, *, whole: Literal[True]
                    ) -> tuple[aiohttp.ClientResponse | FullReply, Credential, str]: ...

    async def _open(self, method: str, url: str | UrlFor, body: dict | BodyFor | None, credential_id: str | None,
                    timeout: aiohttp.ClientTimeout, extra: dict[str, str] | None = None, whole: bool = False
                    ) -> tuple[aiohttp.ClientResponse | FullReply, Credential, str]:
        """Send until one credential gets a 2xx; returns the open response (the caller releases it).

        429 cools the credential down (Google's RetryInfo, else backoff), 401/403 and a refused
        API key take it out longer; the request then goes to the next credential. When none is
        left, the client gets the last upstream error (429 with Retry-After if all are cooling).
        With ``whole``, the answer is read to its end before this returns (the JSON calls).
        """
        client = self.json_client if whole else None
        model = model_of(url if isinstance(url, str) else None)
        tried: set[str] = set()
        last_error: ApiError | None = None
        quota_error: ApiError | None = None
        while True:
            if credential_id:
                if credential_id in tried:
                    credential = None
                else:
                    credential = self._pinned(credential_id)
            elif not tried:
                credential = self.pool.pick(model=model)
            else:
                credential = self.pool.next_ready(exclude=tried, model=model)
            if credential is None:
                assert last_error is not None
                if quota_error is not None and not credential_id and not self.pool.any_ready(model):
                    wait = self.pool.retry_after(model)
                    quota_error.headers["Retry-After"] = str(wait)
                    quota_error.message += f" Every credential of the {self.name} upstream is cooling down; retry in {wait} s."
                    raise self.scrubbed(quota_error)
                raise self.scrubbed(last_error)
            tried.add(credential.id)
            try:
                headers = await self.headers_for(credential)
                headers.update(extra or {})
                target = url(credential) if callable(url) else url
                if model is None and (model := model_of(target)) is not None and not credential_id \
                        and not self.pool.is_ready(credential, model):
                    last_error = quota_error = self.pool.all_cooling_error(model)  # a path made per credential
                    continue
                payload = body(credential) if callable(body) else body
            except CredentialUnavailable as exc:
                log.warning("%s upstream: credential %s unavailable: %s", self.name, credential.id, exc.message)
                self.pool.report_auth_failure(credential, AUTH_FAILURE_COOLDOWN if exc.permanent else 60.0)
                last_error = exc
                continue
            if not self.trusted(target):
                raise ApiError(502, f"Refusing to send credentials of the {self.name} upstream to "
                                    f"{urlsplit(target).hostname}: not a configured Google host.",
                               code="untrusted_upstream_host")
            resp: aiohttp.ClientResponse | FullReply
            try:
                if client is not None:
                    resp = await client.request(method, target, None if payload is None else dumps(payload),
                                                headers, timeout.total, timeout.sock_connect)
                else:
                    resp = await self.session.request(method, target, json=payload, headers=headers,
                                                      timeout=timeout, allow_redirects=False)
            except TimeoutError:
                self.observe("timeout")
                raise upstream_timeout(self.name, shown_path(target)) from None
            except UpstreamReplyTooLarge as exc:
                self.observe("too_large")
                raise ApiError(502, f"The {self.name} upstream's answer to {shown_path(target)} is too large: "
                                    f"{exc} (max_upstream_reply_bytes).", code="upstream_too_large") from None
            except MalformedAnswer as exc:
                self.observe("bad_reply")
                raise ApiError(502, f"The {self.name} upstream sent a broken answer to {shown_path(target)}: "
                                    f"{exc}.", code="upstream_bad_reply") from None
            except aiohttp.ClientError as exc:
                self.observe("unreachable")
                raise upstream_unreachable(self.name, exc) from None
            status = resp.status
            self.observe(str(status))
            if status < 300:
                self.pool.report_success(credential, model)
                return resp, credential, target
            try:
                raw = await resp.read()
            except (TimeoutError, aiohttp.ClientError):
                raw = b""
            finally:
                resp.release()
            if status < 400:
                raise ApiError(502, f"The {self.name} upstream answered {shown_path(target)} with an unexpected "
                                    f"redirect (HTTP {status}); not followed.", code="upstream_redirect")
            err = google_error(self.name, status, raw, _retry_after(resp))
            log.warning("%s %s -> %s with credential %s", method, url_path(target), status, credential.id)
            if status == 429:
                quota_error = err
                self.pool.report_quota(credential, _retry_seconds(err), model)
            elif credential_fault(status, raw):
                if credential.refreshable and (status == 401 or google_error_reason(raw) == "ACCESS_TOKEN_EXPIRED"):
                    credential.invalidate()  # maybe revoked early: the next use refreshes it first
                    self.pool.report_auth_failure(credential, STALE_TOKEN_COOLDOWN)
                else:
                    self.pool.report_auth_failure(credential)
            else:  # the request's own fault (another project's file, a resource it may not read): the client's
                raise self.scrubbed(err)
            last_error = err

    def _pinned(self, credential_id: str) -> Credential:
        credential = self.pool.get(credential_id)
        if credential is None:
            raise ApiError(502, f"The credential {credential_id} that started this operation is no longer configured.",
                           code="credential_gone")
        return credential

    async def stream_sse(self, url: str | UrlFor, body: dict | BodyFor,
                         unwrap: Callable[[dict], dict] | None = None) -> AsyncIterator[dict]:
        """POST and yield each `data:` event of the SSE reply as it arrives.

        Failover (429/401/403) happens before the first event; once events flow, the stream
        belongs to that credential.
        """
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=self.timeout.total)
        resp, _, target = await self._open("POST", url, body, None, timeout)
        try:
            async for payload in sse_data(resp.content.iter_any(), self.max_event_bytes, self.name):
                if payload.strip() == b"[DONE]":
                    return
                try:
                    event = loads(payload)
                except ValueError:
                    raise malformed_reply(self.name, "stream event") from None
                event = self._scrub_reply(event)
                yield unwrap(event) if unwrap else event
        except TimeoutError:
            raise upstream_timeout(self.name, shown_path(target)) from None
        except aiohttp.ClientPayloadError:
            raise ApiError(502, f"The {self.name} upstream closed the stream early.", code="upstream_stream_broken") from None
        except aiohttp.ClientError as exc:
            raise upstream_unreachable(self.name, exc) from None
        finally:
            resp.release()

    @asynccontextmanager
    async def download(self, uri: str, credential_id: str | None = None, max_bytes: int | None = None):
        """Open a media download, following redirects by hand.

        Credentials go with the first request only if its host is trusted, and along a redirect
        only to that same host (same scheme): a signed URL on another host needs none, and must
        not receive them.
        """
        credential = self.pool.get(credential_id) if credential_id else None
        if credential is None and len(self.pool):
            credential = self.pool.next_ready() or self.pool.all()[0]
        url = uri
        credential_origin = origin_of(uri) if self.trusted(uri) else None
        for _ in range(MAX_REDIRECTS + 1):
            origin = origin_of(url)
            sends = origin is not None and origin == credential_origin
            headers = await self.headers_for(credential) if credential is not None and sends else {}
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=self.timeout.total)
            try:
                resp = await self.session.get(url, headers=headers, timeout=timeout, allow_redirects=False)
            except TimeoutError:
                raise upstream_timeout(self.name, "download") from None
            except aiohttp.ClientError as exc:
                raise upstream_unreachable(self.name, exc) from None
            if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                url = urljoin(url, resp.headers["Location"])
                resp.release()
                continue
            try:
                if resp.status >= 400:
                    raise self.scrubbed(google_error(self.name, resp.status, await resp.read()))
                if max_bytes and resp.content_length and resp.content_length > max_bytes:
                    raise ApiError(502, f"The generated file is {resp.content_length} bytes, over the {max_bytes} byte limit.",
                                   code="media_too_large")
                yield Download(content_type=resp.headers.get("Content-Type", "application/octet-stream"),
                               content_length=resp.content_length, chunks=_chunks(resp, self.name))
            finally:
                resp.release()
            return
        raise ApiError(502, f"The {self.name} upstream redirected the download too many times.", code="upstream_redirect_loop")


async def _chunks(resp: aiohttp.ClientResponse, name: str) -> AsyncIterator[bytes]:
    try:
        # Whatever has arrived, as it arrived (iter_chunked would join reads into a copy on the event loop;
        # the media store batches them for its writer thread).
        async for chunk in resp.content.iter_any():
            yield chunk
    except TimeoutError:
        raise upstream_timeout(name, "download") from None
    except aiohttp.ClientPayloadError:
        raise ApiError(502, f"The {name} upstream cut the download off before the end.", code="download_incomplete") from None


#: the model of a call: ".../models/veo-3.1-generate-preview:predictLongRunning" (Vertex: ".../publishers/google/
#: models/...:predict"); operations and files name none
MODEL_IN_PATH = re.compile(r"/models/([^/:?]{1,128}):")


def model_of(url: str | None) -> str | None:
    match = MODEL_IN_PATH.search(url) if url else None
    return match.group(1) if match else None


def url_path(url: str) -> str:
    """A URL without its query string, which may carry a key (for the operator's log)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def shown_path(url: str) -> str:
    """What a client may see of an upstream URL: its path, not the (maybe internal) host nor the query."""
    return urlsplit(url).path or "/"


def _retry_after(resp: aiohttp.ClientResponse | FullReply) -> float | None:
    try:
        return float(resp.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _retry_seconds(err: ApiError) -> float | None:
    try:
        return float(err.headers["Retry-After"])
    except (KeyError, ValueError):
        return None

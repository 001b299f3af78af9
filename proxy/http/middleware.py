"""Request id, one log line per request, and client authentication."""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable

from aiohttp import web

from proxy.config import SETTINGS, ClientKey, all_client_keys
from proxy.http.errors import ApiError
from proxy.http.jsonbody import refuse_encoded_non_json
from proxy.media.signed_links import is_signed_video_link, signed_link_owner
from proxy.ops.logbuffer import sole_batched_handler

log = logging.getLogger("genproxy.access")

PROTECTED_PREFIXES = ("/v1/", "/v1beta/", "/v1beta1/", "/api/v1/", "/api/provider/")
RESPONSE_STARTED = "genproxy.response_started"
OPEN_PROXY_NAME = "local"
"""The name of the caller of a proxy without client keys (usage and metrics are recorded under it)."""

#: Called once per request after it ends with (request, status, seconds); set by the metrics wiring.
OBSERVE_REQUEST: web.AppKey[Callable[[web.Request, int, float], None]] = web.AppKey("observe_request")


@web.middleware
async def request_log_middleware(request: web.Request, handler):
    # 80 random bits, without uuid4's object overhead (measurable at thousands of requests a second).
    request["request_id"] = os.urandom(10).hex()
    started = request["started"] = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        # request.path, never the query string: clients may put their key in ?key=.
        elapsed = time.perf_counter() - started
        line = (f"{request['request_id']} {request.method} {request.path} key={request.get('client_key_name', '-')} "
                f"model={request.get('model', '-')} route={request.get('route', '-')} "
                f"status={request.get('status', status)} {elapsed * 1000:.1f}ms")
        handler = sole_batched_handler(log)
        if handler is not None:
            handler.emit_line("INFO", log.name, line)  # genproxy serve: straight into the batch, no LogRecord
        else:
            log.info("%s", line)
        observe = request.app.get(OBSERVE_REQUEST)
        if observe is not None:
            observe(request, request.get("status", status), elapsed)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    if "request_id" in request:
        response.headers["x-request-id"] = request["request_id"]
    if "started" in request:
        # OpenAI's header: milliseconds the server spent before answering (for a stream: before its first byte).
        response.headers["openai-processing-ms"] = str(int((time.perf_counter() - request["started"]) * 1000))
    # The error middleware must know when headers are out: it cannot send a second response then.
    request[RESPONSE_STARTED] = response


def presented_key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return request.headers.get("x-api-key") or request.headers.get("x-goog-api-key") or request.query.get("key")


@functools.lru_cache(maxsize=4096)
def key_id(key: str) -> str:
    """A stable, non-secret name for a client key (jobs are kept per key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


#: the owner of every job while no client keys are configured
SHARED_OWNER = key_id("")


def key_matches(presented: str, configured: list[str]) -> bool:
    found = False
    for candidate in configured:
        # Check every key, so the time taken does not tell which one is close.
        found |= hmac.compare_digest(presented.encode(), candidate.encode())
    return found


def find_key(presented: str, configured: list[tuple[ClientKey, bool]]) -> tuple[ClientKey, bool] | None:
    """The configured entry whose key is ``presented`` (an admin entry wins), comparing every one."""
    found = None
    for entry, admin in configured:
        if hmac.compare_digest(presented.encode(), entry.key.encode()) and (found is None or admin):
            found = (entry, admin)
    return found


@web.middleware
async def auth_middleware(request: web.Request, handler):
    settings = request.app[SETTINGS]
    configured = all_client_keys(settings)
    presented = presented_key(request)
    request["client_key"] = None
    if not request.path.startswith(PROTECTED_PREFIXES):
        # Not behind auth, but a page outside /v1 (a console) may still ask who is calling.
        found = find_key(presented, configured) if presented and configured else None
        request["client_key"], request["is_admin"] = found if found else (None, not configured)
        request["client_key_name"] = found[0].label if found else (None if configured else OPEN_PROXY_NAME)
        return await handler(request)
    signed_job = is_signed_video_link(request)
    if signed_job is not None and not presented:
        # A signed link (proxy/media/signed_links.py) carries the right to fetch that one video: a browser
        # playing it in a chat page sends no key. Its owner is who the request speaks for.
        request["client_key_id"] = await signed_link_owner(request, signed_job)
        request["is_admin"] = False
        request["client_key_name"] = "signed-link"
        return await handler(request)
    if configured:
        if not presented:
            raise ApiError(401, "Missing API key. Send 'Authorization: Bearer <key>' with one of this proxy's keys.",
                           code="missing_api_key")
        found = find_key(presented, configured)
        if found is None:
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        request["client_key"], request["is_admin"] = found
        request["client_key_name"] = found[0].label
    else:
        # An open local proxy: whoever reaches it is its operator.
        request["is_admin"] = True
        request["client_key_name"] = OPEN_PROXY_NAME
    # Who owns a job (README, "Jobs and keys"): with client keys configured, the key that made it; with none
    # configured no key is checked, so a key proves nothing and every caller, with a key or without, is the
    # same owner (the one jobs made without a key always had).
    request["client_key_id"] = key_id(presented) if configured else SHARED_OWNER
    refuse_encoded_non_json(request)
    return await handler(request)

"""Request id, one log line per request, and client authentication."""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import logging
import time

from aiohttp import web

from proxy import keys
from proxy.errors import ApiError
from proxy.jsonbody import refuse_encoded_non_json

log = logging.getLogger("genproxy.access")

PROTECTED_PREFIXES = ("/v1/", "/v1beta/", "/v1beta1/", "/api/v1/")
RESPONSE_STARTED = "genproxy.response_started"


@web.middleware
async def request_log_middleware(request: web.Request, handler):
    # 80 random bits, without uuid4's object overhead (measurable at thousands of requests a second).
    request["request_id"] = os.urandom(10).hex()
    started = time.perf_counter()
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
        log.info("%s %s %s model=%s route=%s status=%s %.1fms", request["request_id"], request.method, request.path,
                 request.get("model", "-"), request.get("route", "-"), request.get("status", status),
                 (time.perf_counter() - started) * 1000)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    if "request_id" in request:
        response.headers["x-request-id"] = request["request_id"]
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


def key_matches(presented: str, configured: list[str]) -> bool:
    found = False
    for candidate in configured:
        # Check every key, so the time taken does not tell which one is close.
        found |= hmac.compare_digest(presented.encode(), candidate.encode())
    return found


@web.middleware
async def auth_middleware(request: web.Request, handler):
    if not request.path.startswith(PROTECTED_PREFIXES):
        return await handler(request)
    configured = request.app[keys.SETTINGS].api_keys
    presented = presented_key(request)
    if configured:
        if not presented:
            raise ApiError(401, "Missing API key. Send 'Authorization: Bearer <key>' with one of this proxy's keys.",
                           code="missing_api_key")
        if not key_matches(presented, configured):
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
    request["client_key_id"] = key_id(presented or "")
    refuse_encoded_non_json(request)
    return await handler(request)

"""passthrough_upstream: every request genproxy does not serve goes, verbatim and streamed, to another
OpenAI- or Anthropic-compatible gateway (CLIProxyAPI, LiteLLM).

"Does not serve" means: no route for the path here (404), or a model no route of routes.yaml answers for
(``model_not_found``), or a stored response genproxy does not have (``response_not_found``: the other
gateway made it). The client's key is checked first, as for every request (auth_middleware runs before
this one; paths outside /v1 are checked here); the client's credentials (Authorization, x-api-key,
x-goog-api-key, ?key=) are never forwarded: ``passthrough_api_key`` goes in their place, in the header the
client used. Keys limited to some models or to a budget are refused (403): the gateway's spending is not in
genproxy's ledger. Bodies go both ways byte for byte, the answer as it arrives (SSE streams included).
"""
from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from proxy.config import SETTINGS, all_client_keys
from proxy.http.bodies import RAW_BODY
from proxy.http.browser_guard import cross_site
from proxy.http.errors import ApiError

log = logging.getLogger("genproxy.passthrough")
#: the session to passthrough_upstream (set only when it is configured)
PASSTHROUGH_SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("passthrough_session", aiohttp.ClientSession)

#: genproxy answers these itself unless the thing asked for is not here.
FORWARDED_CODES = {"model_not_found", "response_not_found"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}
CLIENT_CREDENTIALS = {"authorization", "x-api-key", "x-goog-api-key"}


async def passthrough_session(app: web.Application):
    settings = app[SETTINGS]
    if not settings.passthrough_upstream:
        yield
        return
    # auto_decompress off: the bytes (and their Content-Encoding) go to the client as the gateway sent them.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=settings.upstream_timeout)
    async with aiohttp.ClientSession(auto_decompress=False, trust_env=False, timeout=timeout) as session:
        app[PASSTHROUGH_SESSION] = session
        yield


@web.middleware
async def passthrough_middleware(request: web.Request, handler):
    if not request.app[SETTINGS].passthrough_upstream:
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return await forward(request)
    except ApiError as exc:
        started = request.get("genproxy.response_started")
        if exc.status == 404 and exc.code in FORWARDED_CODES and (started is None or not started.prepared):
            return await forward(request)
        raise


def _headers(request: web.Request, key: str | None) -> CIMultiDict:
    headers = CIMultiDict((k, v) for k, v in request.headers.items()
                          if k.lower() not in HOP_BY_HOP and k.lower() not in CLIENT_CREDENTIALS)
    if key:
        if "x-api-key" in request.headers:
            headers["x-api-key"] = key
        elif "x-goog-api-key" in request.headers:
            headers["x-goog-api-key"] = key
        else:
            headers["Authorization"] = f"Bearer {key}"
    return headers


async def forward(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    if all_client_keys(settings) and request.get("client_key") is None:
        raise ApiError(401, "Missing or incorrect API key. Send 'Authorization: Bearer <key>' with one of this "
                            "proxy's keys.", code="invalid_api_key")
    key = request.get("client_key")
    if key is not None and (key.models is not None or key.budget_usd is not None):
        # The other gateway's spending is not in genproxy's ledger, and its models are not genproxy's routes:
        # a key limited to some models or to a budget stays within what genproxy itself serves.
        raise ApiError(403, "This key is limited to some models or to a budget, so it may use only the models "
                            "genproxy serves itself, not the gateway behind it.", code="passthrough_not_allowed",
                       type="permission_denied")
    if cross_site(request, settings):  # whatever the path: a page on another origin must not spend through us
        raise ApiError(403, "Cross-site browser requests are refused: a page on another origin may not use this "
                       "proxy (add its origin to the allowed_origins setting to trust it).",
                       code="cross_site_request", type="permission_denied")
    request["route"] = "passthrough"
    base = settings.passthrough_upstream or ""  # set: this runs only then
    query = [(k, v) for k, v in request.query.items() if k != "key"]
    url = aiohttp.client.URL(base.rstrip("/") + request.path).with_query(query)
    # aiohttp keeps the bytes a handler already read with request.read(); read_json keeps a large body itself
    body = request.get(RAW_BODY) or await request.read()
    session: aiohttp.ClientSession = request.app[PASSTHROUGH_SESSION]
    try:
        upstream = await session.request(request.method, url, headers=_headers(request, settings.passthrough_api_key),
                                         data=body, allow_redirects=False)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("passthrough to %s failed: %s", settings.passthrough_upstream, exc.__class__.__name__)
        raise ApiError(502, f"The passthrough gateway did not answer ({exc.__class__.__name__}).",
                       code="passthrough_unreachable") from None
    async with upstream:
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
        for name, value in upstream.headers.items():
            if name.lower() not in HOP_BY_HOP:
                response.headers.add(name, value)
        if upstream.headers.get("Content-Length") and "chunked" not in upstream.headers.get("Transfer-Encoding", ""):
            response.content_length = int(upstream.headers["Content-Length"])
        request["status"] = upstream.status
        await response.prepare(request)
        try:
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:  # the gateway broke off: so does the answer
            log.warning("passthrough answer cut short: %s", exc.__class__.__name__)
            if request.transport is not None:
                request.transport.abort()
            return response
        await response.write_eof()
        return response

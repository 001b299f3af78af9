"""What every handler needs: the route of a model, the context of a request, JSON in and out."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from proxy import keys
from proxy.hookspecs import RequestContext, ThoughtSignatures
from proxy.http.bodies import RAW_BODY, SMALL_BODY, read_body
from proxy.http.errors import ApiError
from proxy.http.jsonbody import IDENTITY, JsonLimits, check_encoding, content_encoding, decompress, loads
from proxy.http.jsonstream import MediaChanged, json_body
from proxy.jobs.lookup import job_finder
from proxy.money.ledger import authorize_model
from proxy.routing.routes import Route

log = logging.getLogger("genproxy.media")


# How many models Google may refuse as gone for one request before its answer stands.
MAX_REPLACEMENTS = 3


def resolve_route(app: web.Application, model: str) -> Route:
    """The route that serves ``model`` now, placed on an upstream with credentials: routes.yaml, the model
    families, and the replacement of a model Google no longer serves (proxy/catalog)."""
    catalog = app[keys.CATALOG]
    route = catalog.resolve(model)
    if route is not None and route.unless_passthrough and app[keys.SETTINGS].passthrough_upstream:
        raise catalog.not_found(model)  # proxy.http.passthrough sends the request to the other gateway
    return catalog.route_for(model)


def route_of_modality(request: web.Request, model: str, modality: str, suggestion: str = "") -> Route:
    """The route for ``model`` on an endpoint of one modality (speech, music, ...), noted on the request for the
    access log and checked against the caller's key; a model of another modality is a 400 naming it."""
    request["model"] = model
    route = resolve_route(request.app, model)
    request["route"] = route.pattern or route.model
    if route.modality != modality:
        raise ApiError(400, f"'{model}' is not a {modality} model (it is routed to '{route.modality}')."
                            + (f" {suggestion}" if suggestion else ""), param="model", code="model_not_supported")
    authorize_model(request, route)
    return route


async def replaced_after(app: web.Application, route: Route, exc: ApiError) -> Route | None:
    """After Google refused ``route``'s model with a 404 that says it no longer serves it (nothing was charged):
    the route that serves the request now, or None (``exc`` stands)."""
    catalog = app[keys.CATALOG]
    if not await catalog.learn(route, exc):
        if exc.status == 404 and route.family is not None and route.target in exc.message:
            # an id of a known family that Google does not know either: Google's 404, with the closest live ids
            raise catalog.not_found(route.requested or route.model, google_404=True) from None
        return None
    again = catalog.route_for(route.requested or route.model)
    return again if (again.upstream, again.target) != (route.upstream, route.target) else None


def make_context(request: web.Request, route: Route, stream: bool) -> RequestContext:
    app = request.app
    settings = app[keys.SETTINGS]
    client_key_id = request.get("client_key_id")
    store = app.get(keys.JOB_STORE)
    signatures = ThoughtSignatures(store, client_key_id or "", settings.thought_signature_ttl) if store else None
    return RequestContext(request_id=request["request_id"], upstream=app[keys.UPSTREAMS].get(route.upstream),
                          stream=stream, client_key_id=client_key_id, settings=settings,
                          media=app[keys.MEDIA_STORE], signatures=signatures,
                          find_job=job_finder(app[keys.JOB_STORE], client_key_id or ""),
                          inflight=app[keys.INFLIGHT])


async def read_json(request: web.Request):
    if not request.can_read_body:
        raise ApiError(400, "The request has no body; send a JSON object.", code="invalid_json")
    encoding = content_encoding(request.headers)
    check_encoding(encoding)  # before reading: an unknown encoding is a 415 whatever the body
    settings = request.app[keys.SETTINGS]
    length = request.content_length
    if length is not None and length < SMALL_BODY and encoding in IDENTITY:
        raw = await read_body(request, settings.max_body_bytes)
        return loads(raw, json_limits(settings))
    # A large body (or one of unknown length, counted at the most it may be) waits for its share of the budget
    # before it is read, and holds it until it is parsed (proxy/http/bodies.py).
    budget = request.app[keys.BODY_BUDGET]
    held = await budget.acquire(length if length is not None and encoding in IDENTITY else settings.max_body_bytes)
    try:
        raw = await read_body(request, settings.max_body_bytes)
        if settings.passthrough_upstream:
            request[RAW_BODY] = raw  # proxy.http.passthrough forwards the bytes when no route serves the request
        if len(raw) < SMALL_BODY and encoding in IDENTITY:
            return loads(raw, json_limits(settings))
        # Decompressing, parsing and checking megabytes is CPU work: off the event loop, which keeps serving.
        return await asyncio.to_thread(lambda: loads(decompress(raw, encoding, settings.max_body_bytes),
                                                     json_limits(settings)))
    finally:
        budget.release(held)


def json_limits(settings) -> JsonLimits:
    return JsonLimits(max_depth=settings.max_json_depth, max_int_digits=settings.max_json_integer_digits,
                      max_bytes=settings.max_body_bytes, max_values=settings.max_json_values)


async def write_json(request: web.Request, body, status: int = 200) -> web.StreamResponse:
    """Write a JSON body that may hold MediaStreams, piece by piece (with a Content-Length when known)."""
    answer = json_body(body)
    request["status"] = status
    if not answer.media:
        return web.Response(body=answer.texts[0], status=status, content_type="application/json")
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    if answer.length is not None:
        response.content_length = answer.length
    await response.prepare(request)
    try:
        async for piece in answer.pieces():
            await response.write(piece)
    except MediaChanged as exc:  # the headers are sent: cut the connection, so the client sees a short body
        log.error("answer cut short: %s", exc)
        if request.transport is not None:
            request.transport.abort()
        return response
    await response.write_eof()
    return response

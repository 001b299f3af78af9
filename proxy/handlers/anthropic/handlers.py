"""POST /v1/messages and /v1/messages/count_tokens (also under CCS's /api/provider/{provider}/v1/...)."""
from __future__ import annotations

import json
import logging

from aiohttp import web

from proxy import keys
from proxy.handlers.anthropic.fields import COUNT_TOKENS_FIELDS, check_fields
from proxy.handlers.anthropic.request import MessagesRequest, to_chat
from proxy.handlers.anthropic.shape import MessageBuilder, error_body
from proxy.handlers.chat import answer_chat
from proxy.handlers.common import make_context, read_json, resolve_route, write_json
from proxy.hookspecs import Delta
from proxy.http.errors import ApiError, client_safe
from proxy.http.models import parse_request
from proxy.money.ledger import authorize_model

log = logging.getLogger("genproxy.anthropic")
SURFACE = "the Anthropic Messages API"


async def create_message(request: web.Request) -> web.StreamResponse:
    raw = await read_json(request)
    if isinstance(raw, dict):
        check_fields(raw)
    body = parse_request(MessagesRequest, raw)
    if body.max_tokens is None:
        raise ApiError(400, "max_tokens: Field required", param="max_tokens", code="missing_required_parameter")
    answer = await answer_chat(request, to_chat(body, body.stream), SURFACE)
    if answer.completions is not None:
        completion = answer.completions[0]
        builder = MessageBuilder(body.model)
        await builder.add(Delta(delta=completion.message, finish_reason=completion.finish_reason,
                                usage=completion.usage))
        return await write_json(request, await builder.finish_message())
    deltas = answer.deltas
    assert deltas is not None
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                           "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    request["status"] = 200

    async def send(event: str, data: dict) -> None:
        await response.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

    builder = MessageBuilder(body.model, emit=send)
    try:
        first = await anext(deltas, None)
        await builder.start(first.usage if first else None)
        if first is not None:
            await builder.add(first)
        async for delta in deltas:
            await builder.add(delta)
        await builder.finish_message()
    except ApiError as exc:
        safe = client_safe(request, exc)
        request["status"] = safe.status
        await send("error", error_body(safe.status, safe.message))
    finally:
        await deltas.aclose()  # type: ignore[attr-defined]
    await response.write_eof()
    return response


async def count_tokens(request: web.Request) -> web.StreamResponse:
    raw = await read_json(request)
    if isinstance(raw, dict):
        check_fields(raw, COUNT_TOKENS_FIELDS)
        raw = {k: v for k, v in raw.items() if k not in ("max_tokens", "stream")}
    body = parse_request(MessagesRequest, raw)
    chat = to_chat(body, stream=False)
    request["model"] = body.model
    route = resolve_route(request.app, body.model)
    request["route"] = route.pattern or route.model
    authorize_model(request, route)
    context = make_context(request, route, stream=False)
    call = request.app[keys.PIPELINE].translate(route, chat, context)
    counted = {k: _without_placeholders(v) for k, v in call.body.items() if k in ("contents", "systemInstruction", "tools")}
    try:
        tokens = await context.upstream.count_tokens(route.target, counted)
    except ApiError as exc:
        if exc.code != "unsupported_by_upstream":
            raise
        tokens = len(json.dumps(counted)) // 4  # an upstream without countTokens (Code Assist): an estimate
    return await write_json(request, {"input_tokens": tokens})


def _without_placeholders(value):
    """The body without the marks translate leaves for submit (remote image URLs, tool call ids): plain
    Gemini JSON that countTokens accepts."""
    if isinstance(value, dict):
        return {k: _without_placeholders(v) for k, v in value.items() if not k.startswith("__genproxy")}
    if isinstance(value, list):
        return [_without_placeholders(v) for v in value if not (isinstance(v, dict) and
                                                               any(k.startswith("__genproxy") for k in v) and len(v) == 1)]
    return value

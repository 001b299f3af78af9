"""POST /v1/responses, GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items."""
from __future__ import annotations

import json
import logging

from aiohttp import web

from proxy import keys
from proxy.handlers.chat import answer_chat
from proxy.handlers.common import read_json, write_json
from proxy.handlers.responses import store
from proxy.handlers.responses.fields import check_fields
from proxy.handlers.responses.items import input_items, to_messages
from proxy.handlers.responses.request import DEFAULT_IMAGE_MODEL, ResponsesRequest, to_chat
from proxy.handlers.responses.shape import ResponseBuilder
from proxy.hookspecs import Completion, Delta
from proxy.http.errors import ApiError, client_safe
from proxy.http.models import parse_request

log = logging.getLogger("genproxy.responses")
SURFACE = "the Responses API"


def _image_model(request: web.Request, body: ResponsesRequest, tool: dict) -> str:
    """The Gemini image model that runs the image_generation tool: the request's model when it is one, else
    the tool's ``model`` when it names one, else the default."""
    table = request.app[keys.ROUTE_TABLE]
    for name in (body.model, tool.get("model")):
        route = table.resolve(name) if isinstance(name, str) else None
        if route is not None and route.modality == "image":
            return str(name)
    return DEFAULT_IMAGE_MODEL


async def create_response(request: web.Request) -> web.StreamResponse:
    raw = await read_json(request)
    if isinstance(raw, dict):
        check_fields(raw)
    body = parse_request(ResponsesRequest, raw)
    items = await store.expand(request, body.previous_response_id, input_items(body.input))
    if not items:
        raise ApiError(400, "'input' is required (text or a list of items).", param="input",
                       code="missing_required_parameter")
    image_tool = body.image_tool()
    model = _image_model(request, body, image_tool) if image_tool is not None else body.model
    chat = to_chat(body, to_messages(items, body.instructions), model)
    answer = await answer_chat(request, chat, SURFACE)
    request["model"] = body.model
    if answer.completions is not None:
        builder = ResponseBuilder(body, body.model)
        completion = answer.completions[0]
        await builder.add(_as_delta(completion))
        response = await builder.finish_response()
        await _keep(request, body, items, response)
        return await write_json(request, response)
    return await _stream(request, body, items, answer.deltas)


def _as_delta(completion: Completion) -> Delta:
    return Delta(delta=completion.message, finish_reason=completion.finish_reason, usage=completion.usage)


async def _keep(request: web.Request, body: ResponsesRequest, items: list[dict], response: dict) -> None:
    if not body.stored:
        return
    try:
        await store.keep(request, response, items + response["output"])
    except ApiError as exc:  # the answer is paid for and made: hand it out even if it cannot be kept
        log.warning("could not store response %s: %s", response["id"], exc.message)


async def _stream(request: web.Request, body: ResponsesRequest, items: list[dict], deltas) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8",
                                           "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    request["status"] = 200

    async def send(event: dict) -> None:
        await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())

    builder = ResponseBuilder(body, body.model, emit=send)
    await builder.start()
    try:
        async for delta in deltas:
            await builder.add(delta)
        final = await builder.finish_response()
    except ApiError as exc:
        safe = client_safe(request, exc)
        request["status"] = safe.status
        await builder.fail(safe.status, safe.code, safe.message)
    else:
        await _keep(request, body, items, final)
    finally:
        await deltas.aclose()
    await response.write_eof()
    return response


async def get_response(request: web.Request) -> web.StreamResponse:
    found = await store.stored_response(request, request.match_info["response_id"])
    return await write_json(request, found["response"])


async def delete_response(request: web.Request) -> web.StreamResponse:
    response_id = request.match_info["response_id"]
    await store.forget(request, response_id)
    return await write_json(request, {"id": response_id, "object": "response.deleted", "deleted": True})


async def input_items_of(request: web.Request) -> web.StreamResponse:
    response_id = request.match_info["response_id"]
    found = await store.stored_response(request, response_id)
    outputs = {item.get("id") for item in found["response"]["output"]}
    data = [item for item in found["history"] if item.get("id") not in outputs or item.get("id") is None]
    data = [{**item, "id": item.get("id") or f"in_{response_id}_{i}"} for i, item in enumerate(data)]
    if request.query.get("order", "desc") == "desc":
        data.reverse()
    return await write_json(request, {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                                      "last_id": data[-1]["id"] if data else None, "has_more": False})

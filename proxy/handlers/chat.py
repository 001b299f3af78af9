"""POST /v1/chat/completions."""
from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from proxy import keys
from proxy.errors import ApiError
from proxy.hookspecs import Completion, Delta, RequestContext, Reply
from proxy.jobs.references import resolve_job_references
from proxy.jsonstream import iter_json
from proxy.models import ChatCompletionRequest, parse_request
from proxy.pipeline import Pipeline
from proxy.routes import Route
from proxy.sse import SseWriter

log = logging.getLogger("genproxy.chat")


def resolve_route(app: web.Application, model: str) -> Route:
    table = app[keys.ROUTE_TABLE]
    route = table.resolve(model)
    if route is None:
        known = ", ".join(table.suggestions(model))
        raise ApiError(404, f"The model '{model}' does not exist or is not routed by this proxy. Known models include: {known}.",
                       param="model", code="model_not_found")
    return route


def make_context(request: web.Request, route: Route, stream: bool) -> RequestContext:
    app = request.app
    settings = app[keys.SETTINGS]
    return RequestContext(request_id=request["request_id"], upstream=app[keys.UPSTREAMS].get(route.upstream),
                          stream=stream, client_key_id=request.get("client_key_id"), settings=settings,
                          media=app[keys.MEDIA_STORE])


async def read_json(request: web.Request):
    if not request.can_read_body:
        raise ApiError(400, "The request has no body; send a JSON object.", code="invalid_json")
    return await request.json(loads=json.loads)


class ChatCompletion:
    """Shapes plugin replies into OpenAI chat.completion / chat.completion.chunk objects."""

    def __init__(self, request_id: str, model: str):
        self.id = f"chatcmpl-{request_id}"
        self.model = model
        self.created = int(time.time())

    def full(self, completions: list[Completion]) -> dict:
        body = {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
                "choices": [{"index": i, "message": {"role": "assistant", **c.message}, "finish_reason": c.finish_reason}
                            for i, c in enumerate(completions)]}
        usage = next((c.usage for c in completions if c.usage), None)
        if usage:
            body["usage"] = usage
        return body

    def chunk(self, delta: dict, finish_reason: str | None = None, index: int = 0, usage: dict | None = None,
              **extra) -> dict:
        body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason}], **extra}
        if usage is not None:
            body["usage"] = usage
        return body


def as_completions(reply: Reply) -> list[Completion]:
    if isinstance(reply, Completion):
        return [reply]
    if isinstance(reply, list):
        return reply
    raise TypeError("a streamed reply where a final one was expected")


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = parse_request(ChatCompletionRequest, await read_json(request))
    request["model"] = body.model
    route = resolve_route(request.app, body.model)
    request["route"] = route.pattern or route.model
    context = make_context(request, route, body.stream)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    shape = ChatCompletion(request["request_id"], body.model)

    runner = request.app[keys.JOB_RUNNER]
    await resolve_job_references(body, runner.store, context.client_key_id or "")
    call = pipeline.translate(route, body, context)
    if call.long_running:
        await runner.check_capacity(context.client_key_id or "")
    submitted = await pipeline.submit(route, call, context)

    if submitted.operation:
        job = await runner.track(route, call, submitted, context, summary=chat_summary(body, route))
        deadline = request.app[keys.SETTINGS].video_deadline
        if not body.stream:
            return await write_json(request, shape.full([await runner.wait(job, deadline)]))
        return await _stream_job(request, shape, runner, job, deadline,
                                 bool(body.stream_options and body.stream_options.include_usage))

    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    if not body.stream:
        reply = await pipeline.finish(route, call, submitted, context)
        return await write_json(request, shape.full(await _collect(reply)))

    reply = await pipeline.finish(route, call, submitted, context)
    deltas = _as_deltas(reply)
    # Wait for the first piece before answering 200, so an upstream error keeps its status.
    first = await anext(deltas, None)
    sse = await SseWriter.open(request)
    request["status"] = 200
    try:
        await _stream_deltas(sse, shape, _prepend(first, deltas), include_usage)
    except ApiError as exc:
        request["status"] = exc.status
        await sse.send(exc.body())
    await sse.done()
    return sse.response


async def complete_chat(request: web.Request, body: ChatCompletionRequest, modality: str) -> list[Completion]:
    """Run one chat-shaped request through routing and the plugin steps, for a plugin's own endpoint."""
    request["model"] = body.model
    route = resolve_route(request.app, body.model)
    request["route"] = route.pattern or route.model
    if route.modality != modality:
        raise ApiError(400, f"'{body.model}' is not a {modality} model (it is routed to '{route.modality}').",
                       param="model", code="model_not_supported")
    context = make_context(request, route, stream=False)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    call = pipeline.translate(route, body, context)
    submitted = await pipeline.submit(route, call, context)
    return await _collect(await pipeline.finish(route, call, submitted, context))


def chat_summary(body: ChatCompletionRequest, route: Route) -> dict:
    """What a job remembers of the request (no images, no secrets)."""
    config = body.extra("video_config") or {}
    config = config if isinstance(config, dict) else {}
    return {"prompt": body.prompt_text()[:2000], "seconds": config.get("duration_seconds", route.defaults.get("duration_seconds")),
            "aspect_ratio": config.get("aspect_ratio", route.defaults.get("aspect_ratio")),
            "resolution": config.get("resolution", route.defaults.get("resolution")), "source": "chat.completions"}


async def _stream_job(request: web.Request, shape: "ChatCompletion", runner, job, deadline: float,
                      include_usage: bool) -> web.StreamResponse:
    """SSE for a long-running job: progress chunks and keep-alives, then the answer, then [DONE]."""
    sse = await SseWriter.open(request)
    request["status"] = 200

    async def progress(current) -> None:
        if current.status in ("queued", "in_progress"):
            await sse.send(shape.chunk({}, None, genproxy={"job_id": current.id, "status": current.status,
                                                           "progress": current.progress}))

    await sse.send(shape.chunk({"role": "assistant"}, None,
                               genproxy={"job_id": job.id, "status": job.status, "progress": job.progress}))
    stop_listening = runner.listen(job.id, progress)
    try:
        async with sse.keepalive(request.app[keys.SETTINGS].keepalive_interval):
            completion = await runner.wait(job, deadline)
            await _stream_reply(sse, shape, completion, include_usage)
    except ApiError as exc:
        request["status"] = exc.status
        await sse.send(exc.body())
    finally:
        stop_listening()
    await sse.done()
    return sse.response


async def _collect(reply: Reply) -> list[Completion]:
    if isinstance(reply, (Completion, list)):
        return as_completions(reply)
    # A plugin that only streams: fold its deltas into one message.
    message: dict = {}
    finish, usage = "stop", None
    async for delta in reply:
        for key, value in delta.delta.items():
            if isinstance(value, str) and isinstance(message.get(key), str):
                message[key] += value
            elif isinstance(value, list):
                message.setdefault(key, []).extend(value)
            elif value is not None:
                message[key] = value
        finish = delta.finish_reason or finish
        usage = delta.usage or usage
    message.setdefault("content", None)
    return [Completion(message=message, finish_reason=finish, usage=usage)]


async def _as_deltas_from(completions: list[Completion]) -> AsyncIterator[Delta]:
    for index, completion in enumerate(completions):
        yield Delta(delta={"role": "assistant", **completion.message}, finish_reason=completion.finish_reason,
                    usage=completion.usage, index=index)


def _as_deltas(reply: Reply) -> AsyncIterator[Delta]:
    if isinstance(reply, (Completion, list)):
        return _as_deltas_from(as_completions(reply))
    return reply


async def _prepend(first, rest: AsyncIterator) -> AsyncIterator:
    if first is not None:
        yield first
    async for item in rest:
        yield item


async def _stream_deltas(sse: SseWriter, shape: ChatCompletion, deltas: AsyncIterator[Delta], include_usage: bool) -> None:
    usage = None
    async for delta in deltas:
        usage = delta.usage or usage
        await sse.send(shape.chunk(delta.delta, delta.finish_reason, index=delta.index))
    if include_usage:
        body = shape.chunk({}, None, usage=usage)
        body["choices"] = []
        await sse.send(body)


async def _stream_reply(sse: SseWriter, shape: ChatCompletion, reply: Reply, include_usage: bool) -> None:
    await _stream_deltas(sse, shape, _as_deltas(reply), include_usage)


async def write_json(request: web.Request, body, status: int = 200) -> web.StreamResponse:
    """Write a JSON body that may hold MediaStreams, piece by piece."""
    pieces = iter_json(body)
    first = await anext(pieces)
    second = await anext(pieces, None)
    request["status"] = status
    if second is None:
        return web.Response(body=first, status=status, content_type="application/json")
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(first)
    await response.write(second)
    async for piece in pieces:
        await response.write(piece)
    await response.write_eof()
    return response

"""POST /v1/chat/completions: one request through the pipeline; long-running work becomes a job."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from proxy import keys
from proxy.handlers.chat_frontends import continue_from_history, videos_from_history, with_video_links
from proxy.handlers.common import (
    MAX_REPLACEMENTS,
    make_context,
    read_json,
    replaced_after,
    resolve_route,
    route_of_modality,
    write_json,
)
from proxy.handlers.housekeeping import as_text_request, canned_answer, housekeeping_task
from proxy.hookspecs import Completion, Delta
from proxy.http.errors import ApiError, client_safe
from proxy.http.jsonstream import MediaChanged
from proxy.http.models import ChatCompletionRequest, parse_request
from proxy.http.replies import ChatCompletion, as_deltas, collect, prepend, stream_deltas, stream_reply
from proxy.http.sse import SseWriter
from proxy.jobs.references import resolve_job_references
from proxy.jobs.runner import final, request_fingerprint
from proxy.jobs.summary import job_summary
from proxy.money.billing import metered, settle_completions
from proxy.money.ledger import authorize_model, new_entry_id
from proxy.routing.pipeline import Pipeline
from proxy.routing.routes import Route

log = logging.getLogger("genproxy.media")

# Left out of the fingerprint of a video request: how the answer is delivered, not what is generated.
DELIVERY_FIELDS = ("stream", "stream_options")
# The modality of plain text models, the only one that answers front-ends' bookkeeping (proxy/handlers/housekeeping.py).
TEXT = "text"



async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await run_chat(request, await read_json(request))


async def run_chat(request: web.Request, raw, shape_class: type[ChatCompletion] = ChatCompletion) -> web.StreamResponse:
    """One chat completions request (its JSON body already read) through the pipeline; ``shape_class``
    shapes the answer (the OpenRouter paths add OpenRouter's names)."""
    body = parse_request(ChatCompletionRequest, raw)
    request["model"] = body.model
    route = resolve_route(request.app, body.model)
    for _ in range(MAX_REPLACEMENTS):
        try:
            return await _serve(request, raw, body, route, shape_class)
        except ApiError as exc:
            # Google said it no longer serves the model (a 404 costs nothing): the replacement serves this request.
            replacement = await replaced_after(request.app, route, exc)
            if replacement is None:
                raise
            route = replacement
    return await _serve(request, raw, body, route, shape_class)


async def _serve(request: web.Request, raw, body: ChatCompletionRequest, route,
                 shape_class: type[ChatCompletion]) -> web.StreamResponse:
    request["route"] = route.pattern or route.model
    authorize_model(request, route)
    task = housekeeping_task(request, body) if route.modality != TEXT else None
    if task is not None:
        # A front-end's title/tags/follow-ups request to a media model: a text model answers, nothing is made.
        model = request.app[keys.SETTINGS].housekeeping_model
        log.info("%s: front-end bookkeeping (%s) for %s answered by %s", request["request_id"], task, route.model,
                 model or "an empty JSON object")
        if model is None:
            return await _answer(request, shape_class(request["request_id"], route.model), body, canned_answer())
        body = as_text_request(body, model)
        route = resolve_route(request.app, model)
        request["route"] = route.pattern or route.model
        raw = body.model_dump(exclude_none=True)
    videos_from_history(body)
    body = await continue_from_history(request, route, body)
    context = make_context(request, route, body.stream)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    # The answer names the model that served (a retired id's replacement), not the id the client sent.
    shape = shape_class(request["request_id"], route.model)

    runner = request.app[keys.JOB_RUNNER]
    await resolve_job_references(body, runner, context.client_key_id or "")
    call = pipeline.translate(route, body, context)
    ledger = request.app[keys.LEDGER]
    charge = ledger.charge(request, route, body)
    if call.long_running:
        fingerprint = request_fingerprint({k: v for k, v in raw.items() if k not in DELIVERY_FIELDS})
        summary = {**job_summary(body, route, "chat.completions"),
                   **await request.app[keys.WEBHOOKS].summary_for(request, body)}
        try:
            job = await runner.attach_or_start(route, call, context, summary, fingerprint, charge=charge)
            deadline = request.app[keys.SETTINGS].video_deadline
            if not body.stream:
                completion = with_video_links(request, route, await runner.wait(job, deadline))
                return await write_json(request, shape.full([completion]))
        except ApiError as exc:
            raise final(exc) from None
        return await _stream_job(request, shape, runner, job, deadline,
                                 bool(body.stream_options and body.stream_options.include_usage), route)

    entry = new_entry_id()
    await ledger.reserve(entry, charge, durable=False)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    try:
        submitted = await pipeline.submit(route, call, context)
        reply = await pipeline.finish(route, call, submitted, context)
        if not body.stream:
            completions = await collect(reply)
            await settle_completions(ledger, entry, route, body, completions)
            return await write_json(request, shape.full(completions))
        deltas = metered(ledger, entry, route, body, as_deltas(reply))
        # Wait for the first piece before answering 200, so an upstream error keeps its status.
        first = await anext(deltas, None)
    except BaseException:
        await ledger.release(entry)  # refused or failed before an answer: Google bills nothing
        raise
    sse = await SseWriter.open(request)
    request["status"] = 200
    try:
        await stream_deltas(sse, shape, prepend(first, deltas), include_usage)
    except ApiError as exc:
        request["status"] = exc.status
        await sse.send(client_safe(request, exc).body())
    finally:
        await deltas.aclose()
    await sse.done()
    return sse.response


@dataclass
class ChatAnswer:
    """A chat-shaped request answered by the plugins, for the other API surfaces (Responses, Anthropic
    Messages) to shape: the route that served it, and either the final completions (already settled in
    the ledger) or the deltas of a stream (metered; the first one already arrived, so an upstream error
    before it kept its HTTP status). The caller closes ``deltas``."""

    route: Route
    completions: list[Completion] | None = None
    deltas: AsyncIterator[Delta] | None = None


async def answer_chat(request: web.Request, body: ChatCompletionRequest, surface: str) -> ChatAnswer:
    """Route ``body`` and run it through the plugin steps as POST /v1/chat/completions does, for another API
    surface (``surface`` names it in errors). Video models are refused: their jobs live on /v1/videos."""
    request["model"] = body.model
    route = resolve_route(request.app, body.model)
    request["route"] = route.pattern or route.model
    authorize_model(request, route)
    context = make_context(request, route, body.stream)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    runner = request.app[keys.JOB_RUNNER]
    await resolve_job_references(body, runner, context.client_key_id or "")
    call = pipeline.translate(route, body, context)
    if call.long_running:
        raise ApiError(400, f"'{body.model}' makes videos, which {surface} does not carry; use POST /v1/videos "
                            "or POST /v1/chat/completions.", param="model", code="model_not_supported")
    ledger = request.app[keys.LEDGER]
    entry = new_entry_id()
    await ledger.reserve(entry, ledger.charge(request, route, body), durable=False)
    try:
        submitted = await pipeline.submit(route, call, context)
        reply = await pipeline.finish(route, call, submitted, context)
        if not body.stream:
            completions = await collect(reply)
            await settle_completions(ledger, entry, route, body, completions)
            return ChatAnswer(route, completions=completions)
        deltas = metered(ledger, entry, route, body, as_deltas(reply))
        first = await anext(deltas, None)
    except BaseException:
        await ledger.release(entry)
        raise
    return ChatAnswer(route, deltas=_then_close(first, deltas))


async def _then_close(first, deltas: AsyncIterator[Delta]) -> AsyncIterator[Delta]:
    try:
        async for delta in prepend(first, deltas):
            yield delta
    finally:
        await deltas.aclose()  # type: ignore[attr-defined]


async def complete_chat(request: web.Request, body: ChatCompletionRequest, modality: str) -> list[Completion]:
    """Run one chat-shaped request through routing and the plugin steps, for a plugin's own endpoint."""
    route = route_of_modality(request, body.model, modality)
    context = make_context(request, route, stream=False)
    pipeline: Pipeline = request.app[keys.PIPELINE]
    call = pipeline.translate(route, body, context)
    ledger = request.app[keys.LEDGER]
    entry = new_entry_id()
    await ledger.reserve(entry, ledger.charge(request, route, body), durable=False)
    try:
        submitted = await pipeline.submit(route, call, context)
        completions = await collect(await pipeline.finish(route, call, submitted, context))
    except BaseException:
        await ledger.release(entry)
        raise
    await settle_completions(ledger, entry, route, body, completions)
    return completions


async def _answer(request: web.Request, shape: ChatCompletion, body: ChatCompletionRequest,
                  completion: Completion) -> web.StreamResponse:
    """A ready answer, as JSON or as a stream."""
    if not body.stream:
        return await write_json(request, shape.full([completion]))
    sse = await SseWriter.open(request)
    request["status"] = 200
    await stream_reply(sse, shape, completion, bool(body.stream_options and body.stream_options.include_usage))
    await sse.done()
    return sse.response


async def _stream_job(request: web.Request, shape: ChatCompletion, runner, job, deadline: float,
                      include_usage: bool, route) -> web.StreamResponse:
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
            completion = with_video_links(request, route, await runner.wait(job, deadline))
            await stream_reply(sse, shape, completion, include_usage)
    except ApiError as exc:
        request["status"] = exc.status
        await sse.send(client_safe(request, exc).body())
    except MediaChanged as exc:  # the video broke off mid-event (proxy/media/live.py): cut the connection
        log.error("answer cut short: %s", exc)
        if request.transport is not None:
            request.transport.abort()
        return sse.response
    finally:
        stop_listening()
    await sse.done()
    return sse.response

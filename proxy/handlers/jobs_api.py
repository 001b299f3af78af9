"""Jobs for plugins' own endpoints (hookspecs.start_video_job, find_job, ... through plugin_services): the Videos API's steps, reusable."""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.handlers.common import MAX_REPLACEMENTS, make_context, replaced_after, resolve_route
from proxy.hookspecs import JobInfo
from proxy.http.errors import ApiError, invalid
from proxy.http.models import ChatCompletionRequest
from proxy.jobs.lookup import job_info
from proxy.jobs.references import resolve_job_references
from proxy.jobs.store import Job
from proxy.jobs.summary import job_summary
from proxy.media.stream import MediaStream
from proxy.money.ledger import authorize_model
from proxy.routing.routes import Route


async def start_job(request: web.Request, body: ChatCompletionRequest, source: str,
                    idempotency_key: str | None = None, remixed_from: str | None = None,
                    summary_extra: dict | None = None, fallback: ChatCompletionRequest | None = None,
                    callback_url: str | None = None, callback_shape: str | None = None) -> Job:
    """Route, translate (limits), check the key's cap, then submit and record: nothing is sent before all pass.
    ``fallback``: the request to translate instead when ``body``'s video_config is refused (defaults the
    caller added that this model does not take)."""
    route = resolve_route(request.app, body.model)
    for _ in range(MAX_REPLACEMENTS):
        try:
            return await _start_job(request, body, route, source, idempotency_key, remixed_from, summary_extra,
                                    fallback, callback_url, callback_shape)
        except ApiError as exc:
            replacement = await replaced_after(request.app, route, exc)  # Google no longer serves it: no charge
            if replacement is None:
                raise
            route = replacement
    return await _start_job(request, body, route, source, idempotency_key, remixed_from, summary_extra, fallback,
                            callback_url, callback_shape)


async def _start_job(request: web.Request, body: ChatCompletionRequest, route: Route, source: str,
                     idempotency_key: str | None, remixed_from: str | None, summary_extra: dict | None,
                     fallback: ChatCompletionRequest | None, callback_url: str | None,
                     callback_shape: str | None) -> Job:
    app = request.app
    runner, pipeline = app[keys.JOB_RUNNER], app[keys.PIPELINE]
    client = request.get("client_key_id") or ""
    request["model"] = body.model
    request["route"] = route.pattern or route.model
    authorize_model(request, route)
    if route.modality not in pipeline.video_modalities():
        raise invalid(f"The model '{body.model}' does not generate videos (it is routed to '{route.modality}').",
                      "model", code="model_not_video")
    await resolve_job_references(body, runner, client)
    context = make_context(request, route, stream=False)
    try:
        call = pipeline.translate(route, body, context)
    except ApiError as exc:
        if fallback is None or exc.status != 400 or not (exc.param or "").startswith("video_config."):
            raise
        body = fallback
        await resolve_job_references(body, runner, client)
        call = pipeline.translate(route, body, context)
    if not call.long_running:
        raise invalid(f"The model '{body.model}' does not generate videos; pick a video model.", "model",
                      code="model_not_video")
    charge = app[keys.LEDGER].charge(request, route, body)
    await runner.check_capacity(client, runner.cap_of(charge))
    summary = {**job_summary(body, route, source), **(summary_extra or {}),
               **await app[keys.WEBHOOKS].summary_for(request, body, callback_url, callback_shape)}
    if remixed_from:
        summary["remixed_from"] = remixed_from
    return await runner.start(route, call, context, summary=summary, idempotency_key=idempotency_key, charge=charge)


async def start_video_job(request: web.Request, body: ChatCompletionRequest, source: str) -> JobInfo:
    runner = request.app[keys.JOB_RUNNER]
    return job_info(await runner.shielded(start_job(request, body, source)))


async def _job(request: web.Request, job_id: str) -> Job | None:
    return await request.app[keys.JOB_STORE].get(job_id, request.get("client_key_id") or "")


async def find_job(request: web.Request, job_id: str) -> JobInfo | None:
    job = await _job(request, job_id)
    return job_info(job) if job is not None else None


def _gone(job_id: str) -> ApiError:
    return ApiError(404, f"No job with id '{job_id}'.", code="job_not_found")


async def wait_job(request: web.Request, job_id: str, timeout: float) -> JobInfo:
    await request.app[keys.JOB_RUNNER].settle(job_id, timeout)
    job = await _job(request, job_id)
    if job is None:
        raise _gone(job_id)
    return job_info(job)


async def job_media(request: web.Request, job: JobInfo) -> list[MediaStream]:
    stored = await _job(request, job.id)
    if stored is None:
        raise _gone(job.id)
    return [media.stream() for media in await request.app[keys.JOB_RUNNER].stored_media(stored)]


async def cancel_job(request: web.Request, job: JobInfo) -> None:
    stored = await _job(request, job.id)
    if stored is None:
        raise _gone(job.id)
    await request.app[keys.JOB_RUNNER].cancel(stored)

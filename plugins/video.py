"""The built-in 'video' modality plugin: Veo through /v1/chat/completions.

translate validates video_config against the model's limits and builds the
predictLongRunning body; submit starts the operation; poll checks it once (the
core loops); respond downloads each video to the media store and answers
message.videos[] with data URIs streamed from disk.
"""
from __future__ import annotations

import base64
import time
from dataclasses import asdict
from collections.abc import AsyncIterator

from proxy.hookspecs import (ApiError, ChatCompletionRequest, Completion, JobInfo, MediaTooLarge, PollStatus,
                             RequestContext, StoredMedia, Submitted, UpstreamCall, hookimpl, invalid, openapi_schema)
from plugins.veo.request import VideoConfig, VideoJob, build_body
from plugins.veo.result import Sample, poll_status, samples_of

MODALITY = "video"
DOWNLOAD_ATTEMPTS = 3


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_upstream_method(route) -> str | None:
    return "predictLongRunning" if route.modality == MODALITY else None


@hookimpl
def genproxy_video_modalities() -> list[str]:
    return [MODALITY]


# Veo extends a video only with Veo 3.1, at 720p and 8 s (plugins/veo/limits.py, from Google's Veo page).
EXTEND_CONFIG = {"resolution": "720p", "duration_seconds": 8}


@hookimpl
def genproxy_remix(route, job: JobInfo, prompt: str) -> ChatCompletionRequest | None:
    """A remix of a Veo video extends it with the new prompt (the openai SDK's videos.remix)."""
    if route.modality != MODALITY:
        return None
    if "veo-3.1" not in route.target:
        raise invalid(f"{job.model} cannot extend a video (only Veo 3.1 can), so video {job.id} cannot be remixed.",
                      "video_id", code="remix_not_supported")
    return ChatCompletionRequest.model_validate({
        "model": job.model, "messages": [{"role": "user", "content": prompt}], "modalities": ["video", "text"],
        "video_config": {**EXTEND_CONFIG, "video": job.id}})


@hookimpl
def genproxy_openapi() -> dict:
    schema, defs = openapi_schema(VideoConfig)
    return {"schemas": {"VideoConfig": schema, **defs},
            "chat_fields": {"video_config": {"$ref": "#/components/schemas/VideoConfig"}}}


@hookimpl
def genproxy_translate(route, request, context: RequestContext) -> UpstreamCall | None:
    if route.modality != MODALITY:
        return None
    body, job = build_body(request, route.target, route.model, route.defaults, vertex=route.upstream == "vertex")
    return UpstreamCall(body=body, long_running=True, notes={"job": asdict(job)})


@hookimpl
def genproxy_submit(route, call: UpstreamCall, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _submit(route, call, context)


async def _submit(route, call: UpstreamCall, context: RequestContext) -> Submitted:
    operation = await context.upstream.predict_long_running(route.target, call.body)
    # Notes are stored with the job (JSON), so a restarted proxy can finish it.
    call.notes.update(started=time.time(), operation=operation.name, credential_id=operation.credential_id)
    return Submitted(operation=operation.name, credential_id=operation.credential_id)


@hookimpl
def genproxy_poll(route, operation: str, credential_id: str | None, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _poll(route, operation, credential_id, context)


async def _poll(route, operation: str, credential_id: str | None, context: RequestContext) -> PollStatus:
    return poll_status(await context.upstream.get_operation(route.target, operation, credential_id))


@hookimpl
def genproxy_respond(route, result, call: UpstreamCall, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _respond(route, result, call, context)


async def _respond(route, result: dict, call: UpstreamCall, context: RequestContext) -> Completion:
    job = VideoJob(**call.notes["job"])
    operation = call.notes.get("operation") or result.get("name")
    samples = samples_of(result, job_id=operation)
    stored = [await _store(sample, call.notes.get("credential_id"), context, operation) for sample in samples]
    taken = time.time() - call.notes.get("started", time.time())
    videos = []
    for index, (sample, media) in enumerate(zip(samples, stored)):
        item = {"type": "video_url", "video_url": {"url": media.stream()}, "index": index,
                "job_id": context.job_id, "operation": operation, "bytes": media.size}
        if sample.uri:
            item["file_uri"] = sample.uri
        videos.append(item)
    return Completion(message={"content": _summary(route, job, len(videos), taken), "videos": videos},
                      finish_reason="stop")


def _summary(route, job: VideoJob, count: int, seconds: float) -> str:
    facts = [f"{job.duration} s" if job.duration else None, job.aspect_ratio, job.resolution]
    details = ", ".join(f for f in facts if f)
    inputs = f" from {', '.join(job.inputs)}" if job.inputs else ""
    noun = "video" if count == 1 else "videos"
    return (f"Generated {count} {noun} with {route.target}{inputs}"
            f"{f' ({details})' if details else ''} in {seconds:.0f} s.")


async def _store(sample: Sample, credential_id: str | None, context: RequestContext, operation: str) -> StoredMedia:
    limit = context.settings.max_download_bytes
    try:
        if sample.base64_bytes is not None:
            return await context.media.save(_decode_chunks(sample.base64_bytes), sample.mime_type, limit)
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                async with context.upstream.download(sample.uri, credential_id, limit) as download:
                    stored = await context.media.save(download.chunks, sample.mime_type, limit)
                if download.content_length is not None and stored.size != download.content_length:
                    raise ApiError(502, "The video download ended early.", code="download_incomplete")
                return stored
            except ApiError as exc:
                if exc.code != "download_incomplete" or attempt == DOWNLOAD_ATTEMPTS:
                    exc.message += f" Job id: {operation}."
                    raise
    except MediaTooLarge as exc:
        raise ApiError(502, f"The generated video is {exc}. Job id: {operation}.", code="media_too_large") from None
    raise AssertionError("unreachable")


async def _decode_chunks(text: str, size: int = 4 * 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(text), size):
        yield base64.b64decode(text[start:start + size])

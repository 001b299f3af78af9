"""The built-in 'video' modality plugin: Veo through /v1/chat/completions.

translate validates video_config against the model's limits and builds the
predictLongRunning body; submit starts the operation; poll checks it once (the
core loops); respond downloads each video to the media store and answers
message.videos[] with data URIs streamed from disk.
"""
from __future__ import annotations

import time
from dataclasses import asdict

from plugins.veo import limits as veo_limits
from plugins.veo.request import VideoConfig, VideoJob, build_body
from plugins.veo.result import poll_status, samples_of
from proxy.hookspecs import (
    ChatCompletionRequest,
    Completion,
    JobInfo,
    ModelFamily,
    PollStatus,
    RequestContext,
    Submitted,
    UpstreamCall,
    hookimpl,
    invalid,
    openapi_schema,
    save_generated_video,
)

MODALITY = "video"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_upstream_method(route) -> str | None:
    return "predictLongRunning" if route.modality == MODALITY else None


@hookimpl
def genproxy_video_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_model_families() -> list[ModelFamily]:
    # Veo: predictLongRunning on the Gemini API and Vertex AI; regional on Vertex (us-central1; facts file
    # 2026-12 section 3). Unknown Veo ids are checked by the limits of their version (plugins/veo/limits.py).
    return [ModelFamily("veo", MODALITY, r"veo-[0-9][a-z0-9.\-]*", ("video",), priority=10,
                        source="ai.google.dev/gemini-api/docs/video; Vertex AI Veo model pages")]


@hookimpl
def genproxy_model_limits(route) -> dict | None:
    """What a Veo route accepts (plugins/veo/limits.py): for GET /v1/models/{id} (the console) and
    /api/v1/videos/models (OpenRouter's catalog)."""
    if route.modality != MODALITY:
        return None
    limits = veo_limits.limits_for(route.target)
    if limits is None:  # a Veo id the table does not know: Google checks it
        return {"type": "video", "aspect_ratios": list(veo_limits.ASPECT_RATIOS)}
    vertex = route.upstream == "vertex"
    described = veo_limits.describe(limits, model=route.model, vertex=vertex)
    # OpenRouter's names: seed and generate_audio are Vertex AI parameters (plugins/veo/request.py VERTEX_ONLY);
    # Veo 3 on the Gemini API makes audio without being asked.
    described.update(frame_images=["first_frame", *(["last_frame"] if limits.last_frame else [])],
                     seed=vertex, generate_audio=vertex, continuation=limits.extension)
    return described


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
    stored = [await save_generated_video(context, base64_data=sample.base64_bytes, uri=sample.uri,
                                         mime_type=sample.mime_type, credential_id=call.notes.get("credential_id"),
                                         label=f"Operation: {operation}") for sample in samples]
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



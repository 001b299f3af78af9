"""The 'omni' modality plugin: Gemini Omni video over the Interactions API.

translate validates video_config and the message parts against the model's limits and builds the
interaction body (no I/O); submit resolves an edit (video_config.previous_video, or the latest video
of the conversation: previous_interaction_id of that job's interaction) and starts the interaction in
the background; poll checks it once (the core loops); respond stores the video in the media store and
answers message.videos[] as the Veo plugin does. DELETE cancels the interaction at Google; a Videos API
remix of an Omni video is an edit. native.py serves /v1beta/interactions for google-genai.
"""
from __future__ import annotations

import time

from plugins.omni import from_veo
from plugins.omni import limits as omni_limits
from plugins.omni.request import build_body
from plugins.omni.result import poll_status, usage_of, video_of
from proxy.hookspecs import (
    ApiError,
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
    save_generated_video,
)

MODALITY = "omni"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_video_modalities() -> list[str]:
    return [MODALITY]


@hookimpl
def genproxy_model_families() -> list[ModelFamily]:
    # Gemini Omni: the Interactions API, on the Gemini API only (3P: pydantic-ai #6192, genkit #5927).
    return [ModelFamily("gemini-omni", MODALITY, r"gemini-omni-[a-z0-9.\-]+", ("video", "text"), priority=20,
                        vertex=False, source="ai.google.dev/gemini-api/docs/omni; google-genai 3.6 interactions")]


@hookimpl
def genproxy_model_limits(route) -> dict | None:
    """What an Omni route accepts (plugins/omni/limits.py): for GET /v1/models/{id} (the console) and
    /api/v1/videos/models (OpenRouter's catalog)."""
    if route.modality != MODALITY:
        return None
    limits = omni_limits.limits_for(route.target)
    described = omni_limits.describe(limits)
    if limits is not None:
        # Omni takes images as references (no frame pinning), a seed, and edits a finished video.
        described.update(frame_images=[], reference_images=limits.max_images, seed=True, generate_audio=False,
                         continuation=True)
    return described


@hookimpl
def genproxy_translate(route, request, context: RequestContext) -> UpstreamCall | None:
    if route.modality != MODALITY:
        return None
    changes: list[str] = []
    if route.requested_modality == "video":  # a Veo request Omni serves now (Google no longer serves the Veo id)
        request, changes = from_veo.adapt(request, route)
    body, notes = build_body(request, route.target, route.model, route.defaults)
    if changes:
        notes["adapted"] = changes
    return UpstreamCall(body=body, long_running=True, notes=notes)


@hookimpl
def genproxy_submit(route, call: UpstreamCall, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _submit(route, call, context)


async def _previous(call: UpstreamCall, context: RequestContext) -> JobInfo | None:
    """The Omni job an edit continues; 404 for an unknown id or another key's job."""
    job_id = call.notes.get("previous_video")
    if not job_id:
        return None
    from_history = call.notes.get("previous_from_history")
    param = "messages" if from_history else "video_config.previous_video"
    job = await context.find_job(job_id) if context.find_job else None
    if job is None:
        raise ApiError(404, f"No video with id '{job_id}' to edit.", param=param, code="job_not_found")
    if job.modality != MODALITY or not job.notes.get("interaction_id"):
        if from_history:
            return None  # a Veo video earlier in the conversation: Omni starts a new video
        raise invalid(f"Video {job_id} was made by {job.model}, not Gemini Omni; Omni edits its own videos "
                      "(send another video as a video_url part).", param)
    if job.status != "completed":
        raise invalid(f"Video {job_id} is {job.status}; only a completed video can be edited.", param)
    return job


async def _submit(route, call: UpstreamCall, context: RequestContext) -> Submitted:
    previous = await _previous(call, context)
    credential_id = None
    if previous is not None:
        # Google keeps the earlier video with the interaction: the edit names it, from the same project.
        call.body["previous_interaction_id"] = previous.notes["interaction_id"]
        call.notes["edit_of"] = previous.id
        credential_id = previous.credential_id
    reply, credential_id = await context.upstream.create_interaction(call.body, credential_id)
    # Notes are stored with the job (JSON), so a restarted proxy can finish it and a later edit continue it.
    call.notes.update(started=time.time(), interaction_id=reply["id"], credential_id=credential_id)
    return Submitted(operation=reply["id"], credential_id=credential_id)


@hookimpl
def genproxy_poll(route, operation: str, credential_id: str | None, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _poll(operation, credential_id, context)


async def _poll(operation: str, credential_id: str | None, context: RequestContext) -> PollStatus:
    return poll_status(await context.upstream.get_interaction(operation, credential_id))


@hookimpl
def genproxy_cancel(route, operation: str, credential_id: str | None, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _cancel(operation, credential_id, context)


async def _cancel(operation: str, credential_id: str | None, context: RequestContext) -> None:
    try:
        await context.upstream.cancel_interaction(operation, credential_id)
    except ApiError as exc:
        if exc.status != 400:  # 400 FAILED_PRECONDITION: it had already ended
            raise


@hookimpl
def genproxy_remix(route, job: JobInfo, prompt: str) -> ChatCompletionRequest | None:
    """A remix of an Omni video is an edit of it with the new prompt."""
    if route.modality != MODALITY:
        return None
    return ChatCompletionRequest.model_validate({
        "model": job.model, "messages": [{"role": "user", "content": prompt}], "modalities": ["video", "text"],
        "video_config": {"previous_video": job.id}})


@hookimpl
def genproxy_respond(route, result, call: UpstreamCall, context: RequestContext):
    if route.modality != MODALITY:
        return None
    return _respond(route, result, call, context)


async def _respond(route, result: dict, call: UpstreamCall, context: RequestContext) -> Completion:
    interaction_id = call.notes.get("interaction_id") or result.get("id")
    video = video_of(result, context.job_id)
    stored = await save_generated_video(context, base64_data=video.data, uri=video.uri, mime_type=video.mime_type,
                                        credential_id=call.notes.get("credential_id"),
                                        label=f"Interaction: {interaction_id}")
    taken = time.time() - call.notes.get("started", time.time())
    item = {"type": "video_url", "video_url": {"url": stored.stream()}, "index": 0, "job_id": context.job_id,
            "operation": interaction_id, "interaction_id": interaction_id, "bytes": stored.size}
    if video.uri:
        item["file_uri"] = video.uri
    if call.notes.get("edit_of"):
        item["edited_from"] = call.notes["edit_of"]
    return Completion(message={"content": _summary(route, call.notes, taken), "videos": [item]},
                      finish_reason="stop", usage=usage_of(result))


def _summary(route, notes: dict, seconds: float) -> str:
    job = notes.get("job") or {}
    facts = [f"{job['duration']} s" if job.get("duration") else None, job.get("aspect_ratio"), job.get("resolution")]
    details = ", ".join(f for f in facts if f)
    verb = f"Edited video {notes['edit_of']}" if notes.get("edit_of") else "Generated a video"
    return f"{verb} with {route.target}{f' ({details})' if details else ''} in {seconds:.0f} s."


@hookimpl
def genproxy_web_routes():
    from plugins.omni.native import routes

    return routes()


@hookimpl
def genproxy_openapi() -> dict:
    from plugins.omni.native import openapi_paths

    return {"paths": openapi_paths()}

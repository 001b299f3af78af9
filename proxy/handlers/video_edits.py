"""POST /v1/videos/edits and /v1/videos/extensions: the openai SDK's videos.edit and videos.extend.

The SDKs send a multipart form (openai-python 3.63 ``videos/videos.py``, openai-node 7.60
``resources/videos.ts``): ``prompt``, (``seconds`` for an extension) and the video either as a file part
``video`` or as the field ``video[id]`` naming an earlier video; LiteLLM sends JSON
``{"prompt", "seconds", "video": {"id"}}`` to the same paths. All three are accepted.

What an edit or an extension is depends on the model that made the video: an earlier Gemini Omni
video is edited or extended in the same interaction chain (``previous_video``); an earlier Veo 3.1
video is extended by Veo (Google extends only videos Veo made, at 720p by 8 s:
ai.google.dev/gemini-api/docs/video, "Extending Veo videos"), and Veo cannot edit. An uploaded file is
edited or extended by Gemini Omni, which takes a video input (ai.google.dev/gemini-api/docs/omni).
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from proxy import keys
from proxy.handlers.common import read_json, resolve_route
from proxy.handlers.jobs_api import start_job
from proxy.handlers.video_form import MAX_PROMPT_BYTES, read_video_form
from proxy.handlers.videos import respond_with_job
from proxy.http.errors import ApiError, invalid
from proxy.http.models import ChatCompletionRequest, parse_request, whole_seconds
from proxy.jobs.lookup import job_info
from proxy.jobs.store import Job

OMNI = "omni"
# Gemini's inline data limit for one request ("If your total request size is under 20MB, use inline data",
# ai.google.dev/gemini-api/docs/video-understanding): a larger upload could never reach Google.
MAX_VIDEO_UPLOAD_BYTES = 20 * 1024 * 1024
VIDEO_FILE = {"video": ("video/mp4", MAX_VIDEO_UPLOAD_BYTES)}


class VideoReference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)


class VideoEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    video: VideoReference | str = Field(description="{\"id\": \"video_...\"} of an earlier video, or an uploaded file")
    model: str | None = Field(None, description="for an uploaded video: the Gemini Omni model (default: the default "
                                                "video model if it is Omni, else the first Omni route)")
    callback_url: str | None = None

    @field_validator("prompt")
    @classmethod
    def _prompt_size(cls, value: str) -> str:
        if len(value.encode()) > MAX_PROMPT_BYTES:
            raise ValueError(f"is over {MAX_PROMPT_BYTES} bytes")
        return value


class VideoExtension(VideoEdit):
    seconds: int | None = Field(None, description="how much longer the video gets")

    @field_validator("seconds", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> int | None:
        return whole_seconds(value)


async def _read_body(request: web.Request) -> dict:
    """The form or the JSON body, with ``video[id]`` (the SDKs' form encoding of {"video": {"id"}}) folded."""
    if request.content_type.startswith("multipart/"):
        try:
            fields = await read_video_form(request, request.app[keys.SETTINGS].max_body_bytes, files_accepted=VIDEO_FILE)
        except ValueError as exc:
            raise invalid(f"The multipart body cannot be read ({exc}).", code="invalid_multipart") from None
    else:
        fields = await read_json(request)
        if not isinstance(fields, dict):
            raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    if "video[id]" in fields:
        if "video" in fields:
            raise invalid("Send the video as a file or as video[id], not both.", "video")
        fields["video"] = {"id": fields.pop("video[id]")}
    if "video" not in fields:
        raise invalid("'video' is required: {\"id\": \"video_...\"} of an earlier video, or a video file.", "video",
                      code="missing_required_parameter")
    return fields


async def _source(request: web.Request, reference: VideoReference) -> Job:
    job = await request.app[keys.JOB_STORE].get(reference.id, request.get("client_key_id", ""))
    if job is None:
        # 404 also for another key's job: its existence is not this client's business.
        raise ApiError(404, f"No video with id '{reference.id}'.", param="video", code="video_not_found")
    if job.status != "completed":
        raise invalid(f"Video {job.id} is {job.status}; only a completed video can be edited or extended.", "video",
                      code="video_not_ready")
    return job


def _omni_model(request: web.Request, asked: str | None) -> str:
    app = request.app
    table = app[keys.ROUTE_TABLE]
    if asked is not None:
        if resolve_route(app, asked).modality != OMNI:
            omni = [s.model for s in table.listed_models() if s.modality == OMNI]
            raise invalid(f"{asked} cannot edit or extend an uploaded video; Gemini Omni models can: "
                          f"{', '.join(omni) or 'none is routed'}.", "model", code="model_not_supported")
        return asked
    default = app[keys.SETTINGS].default_video_model
    route = table.resolve(default)
    if route is not None and route.modality == OMNI:
        return default
    for spec in table.listed_models():
        if spec.modality == OMNI:
            return spec.model
    raise invalid("No Gemini Omni model is routed, and only Gemini Omni edits or extends an uploaded video.", "video",
                  code="model_not_supported")


def _omni_request(model: str, prompt: str, task: str, *, previous: str | None = None, upload: str | None = None,
                  seconds: int | None = None) -> ChatCompletionRequest:
    content: list[dict] = [{"type": "text", "text": prompt}]
    if upload is not None:
        content.append({"type": "video_url", "video_url": {"url": upload}})
    config: dict[str, Any] = {"task": task}
    if previous is not None:
        config["previous_video"] = previous
    if seconds is not None:
        config["duration_seconds"] = seconds
    return ChatCompletionRequest.model_validate({"model": model, "messages": [{"role": "user", "content": content}],
                                                 "modalities": ["video", "text"], "video_config": config})


async def _start(request: web.Request, body: ChatCompletionRequest, source: str, edit: VideoEdit,
                 remixed_from: str | None) -> web.Response:
    runner = request.app[keys.JOB_RUNNER]
    job = await runner.shielded(start_job(request, body, source, remixed_from=remixed_from,
                                          callback_url=edit.callback_url))
    return respond_with_job(job)


async def edit_video(request: web.Request) -> web.Response:
    edit = parse_request(VideoEdit, await _read_body(request))
    if isinstance(edit.video, str):
        body = _omni_request(_omni_model(request, edit.model), edit.prompt, "edit", upload=edit.video)
        return await _start(request, body, "videos.edit", edit, None)
    source = await _source(request, edit.video)
    route = resolve_route(request.app, source.model)
    if route.modality != OMNI:
        raise invalid(f"Video {source.id} was made by {source.model}, which cannot edit videos (only Gemini Omni "
                      "can; upload the file as 'video' to have Omni edit it). Veo 3.1 videos can be extended: "
                      "POST /v1/videos/extensions.", "video", code="edit_not_supported")
    if edit.model is not None and edit.model != source.model:
        raise invalid(f"An edit continues the video's own model ({source.model}); leave 'model' out.", "model")
    body = _omni_request(source.model, edit.prompt, "edit", previous=source.id)
    return await _start(request, body, "videos.edit", edit, source.id)


async def extend_video(request: web.Request) -> web.Response:
    extension = parse_request(VideoExtension, await _read_body(request))
    if isinstance(extension.video, str):
        body = _omni_request(_omni_model(request, extension.model), extension.prompt, "extend",
                             upload=extension.video, seconds=extension.seconds)
        return await _start(request, body, "videos.extend", extension, None)
    source = await _source(request, extension.video)
    route = resolve_route(request.app, source.model)
    if extension.model is not None and extension.model != source.model:
        raise invalid(f"An extension continues the video's own model ({source.model}); leave 'model' out.", "model")
    if route.modality == OMNI:
        body = _omni_request(source.model, extension.prompt, "extend", previous=source.id, seconds=extension.seconds)
    else:
        # The video plugin says what extending its video is (Veo 3.1: 720p, 8 s more), and refuses models
        # that cannot; a different length is refused by its limits rather than silently changed.
        body = request.app[keys.PIPELINE].remix(route, job_info(source), extension.prompt)
        if extension.seconds is not None:
            config = dict(body.model_extra.get("video_config") or {}) if body.model_extra else {}
            config["duration_seconds"] = extension.seconds
            body = ChatCompletionRequest.model_validate({**body.model_dump(exclude_none=True), "video_config": config})
    return await _start(request, body, "videos.extend", extension, source.id)


def add_routes(app: web.Application) -> None:
    # Registered before /v1/videos/{video_id}/… so "edits" and "extensions" are not taken for video ids.
    app.router.add_post("/v1/videos/edits", edit_video)
    app.router.add_post("/v1/videos/extensions", extend_video)

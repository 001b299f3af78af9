"""OpenRouter's video API on genproxy's job store: POST /api/v1/videos, GET /api/v1/videos/{id}, .../content.

Shapes from OpenRouter's reference (openrouter.ai/docs/api_reference/videos; .../api-reference/video-generation/
create-videos) and its official Python SDK (`openrouter` on PyPI, 1.3.x: components/videogenerationrequest.py,
videogenerationresponse.py, frameimage.py, inputreference.py; video_generation.py for paths and statuses):

- submit answers 202 with ``id``, ``polling_url`` (relative, /api/v1/videos/{id}) and ``status``;
- a job's status is one of pending, in_progress, completed, failed, cancelled, expired;
- a completed job lists ``unsigned_urls``: content URLs that need the API key (genproxy serves them);
  genproxy keeps no signed copies, so ``urls`` is never set;
- errors are {"error": {"code": <status>, "message"}} (proxy/openrouter/errors.py).

A job made here is a genproxy job like any other: GET /v1/videos/{id} and chat references see it too.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from proxy import keys
from proxy.handlers.common import read_json, resolve_route
from proxy.handlers.videos import SIZES, create_idempotent
from proxy.http.errors import ApiError, invalid
from proxy.http.models import ChatCompletionRequest, parse_request
from proxy.jobs.lookup import job_info
from proxy.jobs.runner import job_error, request_fingerprint
from proxy.jobs.store import Job

log = logging.getLogger("genproxy.openrouter")

PATH = "/api/v1/videos"
#: Fields of OpenRouter's request that steer OpenRouter itself (provider routing, tracing, end-user ids):
#: accepted, not used, and left out of the idempotency fingerprint.
IGNORED = ("provider", "session_id", "trace", "user")
#: For upscaling models only ("not supported by video generation models", the SDK's docstring).
UPSCALE_ONLY = ("creativity", "upscale_factor")
FRAME_TYPES = ("first_frame", "last_frame")


class OpenRouterVideoCreate(BaseModel):
    """POST /api/v1/videos as OpenRouter defines it (VideoGenerationRequest)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    prompt: str | None = None
    duration: int | None = Field(None, ge=1)
    resolution: str | None = None
    aspect_ratio: str | None = None
    size: str | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    frame_images: list[Any] | None = None
    input_references: list[Any] | None = None
    previous_job_id: str | None = Field(None, min_length=1)
    callback_url: str | None = Field(None, max_length=2048)
    provider: Any = None
    session_id: Any = None
    trace: Any = None
    user: Any = None
    creativity: Any = None
    upscale_factor: Any = None


# -- request -> genproxy's chat-shaped video request

def _image_url(item: Any, param: str) -> str:
    image = item.get("image_url") if isinstance(item, dict) else None
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise invalid(f"'{param}' must be {{\"type\": \"image_url\", \"image_url\": {{\"url\": ...}}}}.", param)
    return url


def _frames(create: OpenRouterVideoCreate) -> tuple[str | None, str | None]:
    found: dict[str, str] = {}
    for index, item in enumerate(create.frame_images or []):
        param = f"frame_images[{index}]"
        if not isinstance(item, dict) or item.get("type", "image_url") != "image_url":
            raise invalid(f"'{param}' must be an image_url item with a frame_type.", param)
        kind = item.get("frame_type")
        if kind not in FRAME_TYPES:
            raise invalid(f"'{param}.frame_type' must be first_frame or last_frame.", f"{param}.frame_type")
        if kind in found:
            raise invalid(f"frame_images has two {kind} images; send one of each at most.", f"{param}.frame_type")
        found[kind] = _image_url(item, param)
    return found.get("first_frame"), found.get("last_frame")


def _references(create: OpenRouterVideoCreate) -> list[str]:
    urls = []
    for index, item in enumerate(create.input_references or []):
        param = f"input_references[{index}]"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind != "image_url":
            # OpenRouter passes audio and video references to providers that take them; Google's video
            # models take reference images only.
            raise invalid(f"'{param}': Google's video models take image references only (type image_url); "
                          f"got {kind!r}.", f"{param}.type", code="unsupported_parameter")
        urls.append(_image_url(item, param))
    return urls


def _video_config(create: OpenRouterVideoCreate) -> dict:
    config: dict = {}
    if create.size is not None:
        if create.size not in SIZES:
            raise invalid(f"'size' must be one of {', '.join(SIZES)}; got '{create.size}'.", "size")
        aspect, resolution = SIZES[create.size]
        for name, value in (("aspect_ratio", aspect), ("resolution", resolution)):
            given = getattr(create, name)
            if given is not None and given.lower() != value:
                raise invalid(f"'size' {create.size} is {aspect} at {resolution}, but '{name}' says '{given}'; "
                              "send size, or resolution and aspect_ratio.", name)
            config[name] = value
    for name in ("resolution", "aspect_ratio"):
        if getattr(create, name) is not None:
            config[name] = getattr(create, name)
    if create.duration is not None:
        config["duration_seconds"] = create.duration
    for name in ("seed", "generate_audio"):
        # Passed on as sent: the video plugin refuses what the route's API refuses (Veo's seed and
        # generate_audio are Vertex AI parameters).
        if getattr(create, name) is not None:
            config[name] = getattr(create, name)
    return config


def _content(prompt: str | None, first_frame: str | None) -> list[dict]:
    content: list[dict] = []
    if prompt:
        content.append({"type": "text", "text": prompt})
    if first_frame:
        content.append({"type": "image_url", "image_url": {"url": first_frame}})
    return content


def _check(create: OpenRouterVideoCreate) -> None:
    for name in UPSCALE_ONLY:
        if getattr(create, name) is not None:
            raise invalid(f"'{name}' is for video upscaling models; {create.model} generates videos.", name,
                          code="unsupported_parameter")
    if create.callback_url is not None:
        _check_callback(create.callback_url)


def _check_callback(url: str) -> None:
    """OpenRouter wants an HTTPS callback; plain http is allowed to a loopback address (local development),
    which, like any private address, the webhook queue then refuses unless allow_private_callback_urls."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not host or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not loopback):
        raise invalid("'callback_url' must be an https:// URL (http:// only to localhost).", "callback_url")


async def _chat_body(request: web.Request, create: OpenRouterVideoCreate) -> ChatCompletionRequest:
    first, last = _frames(create)
    references = _references(create)
    config = _video_config(create)
    if last:
        config["last_frame"] = last
    if references:
        config["reference_images"] = references
    previous = create.previous_job_id
    if previous is None:
        content = _content(create.prompt, first)
        if not content:
            raise invalid("'prompt' is required (or a first_frame image to animate).", "prompt",
                          code="missing_required_parameter")
        return ChatCompletionRequest.model_validate({
            "model": create.model, "messages": [{"role": "user", "content": content}],
            "modalities": ["video", "text"], "video_config": config})
    return await _continuation(request, create, previous, first, config)


async def _continuation(request: web.Request, create: OpenRouterVideoCreate, previous: str, first: str | None,
                        config: dict) -> ChatCompletionRequest:
    """previous_job_id: the plugin of the earlier job says what continuing it is (Veo extends, Omni edits),
    as for POST /v1/videos/{id}/remix; the request's own settings go on top."""
    app = request.app
    source = await app[keys.JOB_STORE].get(previous, request.get("client_key_id", ""))
    if source is None:
        raise ApiError(404, f"No video job with id '{previous}'.", param="previous_job_id",
                       code="video_not_found")
    if source.status != "completed":
        raise invalid(f"Video job {source.id} is {source.status}; only a completed job can be continued.",
                      "previous_job_id", code="video_not_ready")
    if not create.prompt:
        raise invalid("'prompt' is required to continue a video: say what happens next (or what to change).",
                      "prompt", code="missing_required_parameter")
    source_route = resolve_route(app, source.model)
    if resolve_route(app, create.model).model != source_route.model:
        raise invalid(f"Job {source.id} was made by {source.model}; a continuation runs on the same model, so "
                      f"send model '{source.model}'.", "model")
    body = app[keys.PIPELINE].remix(source_route, job_info(source), create.prompt).model_dump(exclude_none=True)
    body["video_config"] = {**(body.get("video_config") or {}), **config}
    if first:
        last_user = body["messages"][-1]
        text = last_user["content"]
        parts = [{"type": "text", "text": text}] if isinstance(text, str) else list(text or [])
        last_user["content"] = parts + [{"type": "image_url", "image_url": {"url": first}}]
    return ChatCompletionRequest.model_validate(body)


# -- errors in OpenRouter's names

#: genproxy's parameter names (video_config.*, messages) -> the OpenRouter field a client sent.
_PARAM_NAMES = (("video_config.duration_seconds", "duration"), ("video_config.last_frame", "frame_images"),
                ("video_config.reference_images", "input_references"), ("video_config.video", "previous_job_id"),
                ("video_config.previous_video", "previous_job_id"), ("video_config.", ""),
                ("video_id", "previous_job_id"))
_MESSAGE_PARAM = re.compile(r"messages(\[\d+\](\.content)?)?")
_PART_PARAM = re.compile(r"messages\[\d+\]\.content\[\d+\].*")  # the first frame's image part


def _openrouter_names(text: str) -> str:
    for ours, theirs in _PARAM_NAMES:
        text = text.replace(ours, theirs)
    return text.replace("duration_seconds", "duration")


def _renamed(exc: ApiError) -> ApiError:
    if exc.param:
        exc.param = _openrouter_names(exc.param)
        if _MESSAGE_PARAM.fullmatch(exc.param):
            exc.param = "prompt"
        elif _PART_PARAM.fullmatch(exc.param):
            exc.param = "frame_images"
    exc.message = _openrouter_names(exc.message)
    return exc


# -- responses

def status_of(job: Job) -> str:
    if job.status in ("submitting", "queued"):
        return "pending"
    if job.status == "failed":
        return "cancelled" if (job.error or {}).get("code") == "cancelled" else "failed"
    if job.status == "completed" and job.expires_at and job.expires_at <= time.time():
        return "expired"
    return job.status  # in_progress, completed


def job_cost(job: Job) -> float | None:
    """HOOK POINT for a cost ledger: the USD cost of a job, or None when nothing knows it (then usage is left
    out). Reads ``cost`` from the job's usage or summary, where a ledger that prices jobs records it."""
    for source in ((job.result or {}).get("usage") or {}, job.summary or {}):
        cost = source.get("cost") if isinstance(source, dict) else None
        if isinstance(cost, (int, float)) and not isinstance(cost, bool):
            return float(cost)
    return None


def video_job(job: Job, origin: str) -> dict:
    """A job as OpenRouter's VideoGenerationResponse."""
    status = status_of(job)
    body: dict = {"id": job.id, "polling_url": f"{PATH}/{job.id}", "status": status}
    if job.finished:
        body["generation_id"] = job.id
    if status == "completed":
        count = len((job.result or {}).get("media") or [])
        body["unsigned_urls"] = [f"{origin}{PATH}/{job.id}/content?index={i}" for i in range(count)]
    if job.expires_at and status in ("completed", "expired"):
        body["expires_at"] = int(job.expires_at)
    if status in ("failed", "cancelled"):
        body["error"] = (job.error or {}).get("message") or "The video generation failed."
    cost = job_cost(job)
    if cost is not None:
        # is_byok: genproxy spends the operator's own Google keys.
        body["usage"] = {"cost": cost, "is_byok": True}
    return body


def _origin(request: web.Request) -> str:
    return str(request.url.origin())


# -- handlers

async def create_video(request: web.Request) -> web.Response:
    create = parse_request(OpenRouterVideoCreate, await read_json(request))
    request["model"] = create.model
    _check(create)
    fingerprint = request_fingerprint({k: v for k, v in create.model_dump(mode="json").items() if k not in IGNORED})
    summary = {"remixed_from": create.previous_job_id} if create.previous_job_id else {}
    if create.callback_url:
        summary["callback_origin"] = _origin(request)  # the callback's unsigned_urls point back here

    async def make_body() -> ChatCompletionRequest:
        return await _chat_body(request, create)

    try:
        job = await create_idempotent(request, make_body, fingerprint, "openrouter.videos", summary_extra=summary,
                                      callback_url=create.callback_url,
                                      callback_shape=CALLBACK_SHAPE if create.callback_url else None)
    except ApiError as exc:
        raise _renamed(exc) from None
    return web.json_response(video_job(job, _origin(request)), status=202)


async def _own_job(request: web.Request) -> Job:
    job_id = request.match_info["job_id"]
    job = await request.app[keys.JOB_STORE].get(job_id, request.get("client_key_id", ""))
    if job is None:
        # 404 for another key's job too: its existence is not this client's business.
        raise ApiError(404, f"No video job with id '{job_id}'.", param="jobId", code="video_not_found")
    return job


async def get_video(request: web.Request) -> web.Response:
    return web.json_response(video_job(await _own_job(request), _origin(request)))


async def video_content(request: web.Request) -> web.StreamResponse:
    job = await _own_job(request)
    raw = request.query.get("index", "0")
    if not raw.isdigit():
        raise invalid(f"'index' must be a whole number from 0; got '{raw}'.", "index")
    index = int(raw)
    status = status_of(job)
    if status in ("failed", "cancelled"):
        raise job_error(job)
    if status in ("pending", "in_progress"):
        raise ApiError(409, f"Video job {job.id} is {status}; download it when its status is completed.",
                       code="video_not_ready")
    stored = await request.app[keys.JOB_RUNNER].stored_media(job)  # 404 job_expired once expired
    if index >= len(stored):
        raise ApiError(404, f"Video job {job.id} has {len(stored)} output(s); index {index} is out of range.",
                       param="index", code="output_not_found")
    media = stored[index]
    return web.FileResponse(media.path, headers={"Content-Type": media.mime_type,
                                                 "Content-Disposition": f'inline; filename="{job.id}-{index}.mp4"'})


# -- callback_url: on genproxy's durable webhook queue (proxy/jobs/webhooks.py: stored, retried, any instance)

CALLBACK_SHAPE = "openrouter"


def callback_event(job: Job) -> tuple[str, dict]:
    """OpenRouter's webhook envelope for a finished job (its cookbook, "Get Video Results with Webhooks":
    ``{"type": "video.generation.<status>", "created_at": <ISO 8601>, "data": <the job as GET shows it>}``)."""
    data = video_job(job, job.summary.get("callback_origin") or "")
    event = f"video.generation.{data['status']}"
    created = datetime.fromtimestamp(time.time(), UTC).isoformat()
    return event, {"type": event, "created_at": created, "data": data}


async def _register_callback_shape(app: web.Application) -> None:
    app[keys.WEBHOOKS].shapes[CALLBACK_SHAPE] = callback_event


def add_routes(app: web.Application) -> None:
    app.on_startup.append(_register_callback_shape)  # after the cleanup contexts that make the webhooks
    app.router.add_post(PATH, create_video)
    # /models before /{job_id}, which it would otherwise match
    from proxy.openrouter.video_models import list_video_models

    app.router.add_get(f"{PATH}/models", list_video_models)
    app.router.add_get(PATH + "/{job_id}", get_video)
    app.router.add_get(PATH + "/{job_id}/content", video_content)

"""The OpenAI Videos API over the job store: create, retrieve, content, delete, list."""
from __future__ import annotations

import asyncio
import re

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from proxy import keys
from proxy.handlers.common import read_json, resolve_route
from proxy.handlers.jobs_api import start_job
from proxy.handlers.video_form import MAX_PROMPT_BYTES, read_video_form
from proxy.http.errors import ApiError, invalid
from proxy.http.models import ChatCompletionRequest, parse_request
from proxy.jobs.lookup import job_info
from proxy.jobs.runner import final, job_error, request_fingerprint
from proxy.jobs.store import Job
from proxy.media.previews import Previews

POLL_AFTER_MS = "2000"
SIZES = {"640x360": ("16:9", "360p"), "360x640": ("9:16", "360p"),
         "1280x720": ("16:9", "720p"), "720x1280": ("9:16", "720p"), "1920x1080": ("16:9", "1080p"),
         "1080x1920": ("9:16", "1080p"), "3840x2160": ("16:9", "4k"), "2160x3840": ("9:16", "4k")}
SIZE_OF = {value: key for key, value in SIZES.items()}
# genproxy's extra fields, passed on to the video plugin as video_config.
EXTRA_FIELDS = ("negative_prompt", "seed", "person_generation", "number_of_videos", "generate_audio",
                "enhance_prompt", "aspect_ratio", "resolution", "last_frame", "reference_images", "video")


class VideoCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    model: str | None = None
    seconds: int | str | None = Field(None, description="4, 6 or 8 (Veo 3.x), as a string or a number; default 4")
    size: str | None = Field(None, description="WIDTHxHEIGHT; default 720x1280")
    input_reference: str | None = Field(None, description="a data URI (JSON); multipart sends a file part")
    negative_prompt: str | None = None
    seed: int | None = None
    person_generation: str | None = None
    number_of_videos: int | None = None
    generate_audio: bool | None = None
    enhance_prompt: bool | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    last_frame: str | None = None
    reference_images: list[str] | None = None
    video: str | None = None
    callback_url: str | None = Field(None, description="genproxy posts video.completed / video.failed here")

    @field_validator("seconds", mode="before")
    @classmethod
    def _seconds(cls, value):
        if isinstance(value, str):
            if not value.strip().isdigit():
                raise ValueError("must be a whole number of seconds such as \"8\"")
            return int(value)
        return value

    @field_validator("prompt", "negative_prompt")
    @classmethod
    def _prompt_size(cls, value):
        # Google's limit is 1,024 tokens (proxy/handlers/video_form.py): no such prompt is this long.
        if value is not None and len(value.encode("utf-8", "surrogatepass")) > MAX_PROMPT_BYTES:
            raise ValueError(f"is over {MAX_PROMPT_BYTES // 1024} KiB; Veo takes at most 1,024 tokens of text")
        return value

    @field_validator("size")
    @classmethod
    def _size(cls, value):
        if value is not None and value not in SIZES:
            raise ValueError(f"must be one of {', '.join(SIZES)}")
        return value


async def _read_create(request: web.Request) -> VideoCreate:
    if request.content_type.startswith("multipart/"):
        fields = await read_video_form(request, request.app[keys.SETTINGS].max_body_bytes)
        return parse_request(VideoCreate, fields)
    return parse_request(VideoCreate, await read_json(request))


# OpenAI's Videos API defaults (openai-openapi CreateVideoJsonBody: "Defaults to 4 seconds", "Defaults to
# 720x1280"), used where the client and the route leave them out and the model accepts them.
SPEC_SECONDS, SPEC_SIZE = 4, "720x1280"


def _spec_defaults(create: VideoCreate, route) -> dict:
    defaults: dict = {}
    if create.seconds is None and "duration_seconds" not in route.defaults:
        defaults["seconds"] = SPEC_SECONDS
    if (create.size is None and create.aspect_ratio is None and create.resolution is None
            and not {"aspect_ratio", "resolution"} & set(route.defaults)):
        defaults["size"] = SPEC_SIZE
    return defaults


def _as_chat(create: VideoCreate, model: str) -> ChatCompletionRequest:
    content: list[dict] = [{"type": "text", "text": create.prompt}]
    if create.input_reference:
        content.append({"type": "image_url", "image_url": {"url": create.input_reference}})
    config = {name: getattr(create, name) for name in EXTRA_FIELDS if getattr(create, name) is not None}
    if create.size:
        config["aspect_ratio"], config["resolution"] = SIZES[create.size]
    if create.seconds is not None:
        config["duration_seconds"] = create.seconds
    return ChatCompletionRequest.model_validate({"model": model, "messages": [{"role": "user", "content": content}],
                                                 "modalities": ["video", "text"], "video_config": config})


def video_object(job: Job) -> dict:
    summary = job.summary
    size = SIZE_OF.get((summary.get("aspect_ratio") or "16:9", summary.get("resolution") or "720p"))
    error = None
    if job.status == "failed":
        error = {"code": (job.error or {}).get("code") or "generation_failed", "message": (job.error or {}).get("message", "")}
    # "submitting" (recorded, Google not yet answered) is OpenAI's "queued".
    status = "queued" if job.status == "submitting" else job.status
    return {"id": job.id, "object": "video", "model": job.model, "status": status, "progress": job.progress,
            "created_at": int(job.created_at), "completed_at": int(job.completed_at) if job.completed_at else None,
            "expires_at": int(job.expires_at) if job.expires_at else None,
            "seconds": str(summary.get("seconds") or 8), "size": size or "1280x720", "prompt": summary.get("prompt", ""),
            "remixed_from_video_id": summary.get("remixed_from"), "error": error}


def respond_with_job(job: Job, status: int = 200) -> web.Response:
    """A job as OpenAI's Video object, with the poll hint while it runs."""
    headers = {"openai-poll-after-ms": POLL_AFTER_MS} if not job.finished else {}
    return web.json_response(video_object(job), status=status, headers=headers)


async def create_video(request: web.Request) -> web.Response:
    try:
        create = await _read_create(request)
    except ValueError as exc:
        # aiohttp's multipart reader: no boundary, a body without it, or one that ends mid-part.
        if not request.content_type.startswith("multipart/"):
            raise
        raise invalid(f"The multipart body cannot be read ({exc}).", code="invalid_multipart") from None
    model = create.model or request.app[keys.SETTINGS].default_video_model
    request["model"] = model
    fingerprint = request_fingerprint({**create.model_dump(mode="json"), "model": model})
    # OpenAI's defaults first (seconds "4", size "720x1280"), where the model takes them; else Google's.
    defaults = _spec_defaults(create, resolve_route(request.app, model))
    job = await create_idempotent(request, lambda: _as_chat(create.model_copy(update=defaults), model), fingerprint,
                                  "videos", fallback=(lambda: _as_chat(create, model)) if defaults else None,
                                  callback_url=create.callback_url)
    return respond_with_job(job)


def idempotency_key_of(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not re.fullmatch(r"[\x21-\x7e]{1,255}", key):
        raise invalid("Idempotency-Key must be 1 to 255 visible ASCII characters.", "Idempotency-Key")
    return key


async def create_idempotent(request: web.Request, make_body, fingerprint: str, source: str,
                            summary_extra: dict | None = None, fallback=None, callback_url: str | None = None,
                            callback_shape: str | None = None) -> Job:
    """Start a video job, or, for a repeated Idempotency-Key with the same request, the job it started.

    ``make_body`` builds the chat-shaped request (called only when a job is started); ``fallback`` builds
    the one to use instead when the model refuses the first's video_config (defaults it does not take);
    ``fingerprint`` is the request's digest (one key, one request)."""
    app = request.app
    store, runner = app[keys.JOB_STORE], app[keys.JOB_RUNNER]
    client = request.get("client_key_id", "")
    idempotency_key = idempotency_key_of(request)

    async def create_once() -> Job:
        # Shielded with the lock held: a retry with the same Idempotency-Key, sent because the client
        # gave up waiting, finds this job instead of paying for a second one.
        async with runner.idempotency_lock(client, idempotency_key):
            if idempotency_key:
                earlier = await store.by_idempotency_key(client, idempotency_key)
                if earlier is not None:
                    if earlier.summary.get("request_sha256", fingerprint) != fingerprint:
                        # Stripe's rule, which OpenAI's Idempotency-Key follows: one key, one request.
                        raise ApiError(422, f"The Idempotency-Key '{idempotency_key}' was used for a different "
                                            f"request (job {earlier.id}); use a new key for a new video.",
                                       param="Idempotency-Key", code="idempotency_key_reused",
                                       type="invalid_request_error")
                    return earlier
            body = await make_body() if asyncio.iscoroutinefunction(make_body) else make_body()
            return await start_job(request, body, source, idempotency_key=idempotency_key,
                                   summary_extra={"request_sha256": fingerprint, **(summary_extra or {})},
                                   fallback=fallback() if fallback else None, callback_url=callback_url,
                                   callback_shape=callback_shape)

    try:
        return await runner.shielded(create_once())
    except ApiError as exc:
        raise final(exc) from None


class VideoRemix(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)


async def remix_video(request: web.Request) -> web.Response:
    """POST /v1/videos/{id}/remix: the plugin of the source video says what a remix is (an edit, an extension)."""
    remix = parse_request(VideoRemix, await read_json(request))
    source = await _own_job(request)
    if source.status != "completed":
        raise invalid(f"Video {source.id} is {source.status}; only a completed video can be remixed.", "video_id",
                      code="video_not_ready")
    app = request.app
    pipeline, runner = app[keys.PIPELINE], app[keys.JOB_RUNNER]
    route = resolve_route(app, source.model)
    body = pipeline.remix(route, job_info(source), remix.prompt)
    job = await runner.shielded(start_job(request, body, "videos.remix", remixed_from=source.id))
    return respond_with_job(job)


async def _own_job(request: web.Request) -> Job:
    job = await request.app[keys.JOB_STORE].get(request.match_info["video_id"], request.get("client_key_id", ""))
    if job is None:
        # 404 also for another key's job: its existence is not this client's business.
        raise ApiError(404, f"No video with id '{request.match_info['video_id']}'.", param="video_id",
                       code="video_not_found")
    return job


async def retrieve_video(request: web.Request) -> web.Response:
    return respond_with_job(await _own_job(request))


async def video_content(request: web.Request) -> web.StreamResponse:
    job = await _own_job(request)
    variant = request.query.get("variant", "video")
    if variant not in ("video", *Previews.VARIANTS):
        raise invalid(f"variant must be video, thumbnail or spritesheet; got '{variant[:40]}'.", "variant")
    if job.status == "failed":
        raise job_error(job)
    if job.status != "completed":
        raise ApiError(409, f"Video {job.id} is {job.status} ({job.progress}%); fetch it when status is completed.",
                       code="video_not_ready")
    files = await request.app[keys.JOB_RUNNER].stored_media(job)
    index_text = request.query.get("index", "0")
    # OpenRouter's content path takes ?index= for a job of several videos; OpenAI's has one.
    if not (index_text.isascii() and index_text.isdigit() and len(index_text) <= 3 and int(index_text) < len(files)):
        raise invalid(f"index must be a number from 0 to {len(files) - 1}.", "index")
    stored = files[int(index_text)]
    if variant != "video":
        # A JPEG (OpenAI's document lists image/webp; the SDK returns the bytes whatever their type).
        image = await request.app[keys.PREVIEWS].jpeg(stored.path, variant, job.id)
        return web.Response(body=image, content_type="image/jpeg",
                            headers={"Content-Disposition": f'inline; filename="{job.id}-{variant}.jpg"'})
    # FileResponse streams from disk and answers Range requests.
    return web.FileResponse(stored.path, headers={"Content-Type": stored.mime_type,
                                                  "Content-Disposition": f'inline; filename="{job.id}.mp4"'})


async def delete_video(request: web.Request) -> web.Response:
    job = await _own_job(request)
    await request.app[keys.JOB_RUNNER].delete(job)
    return web.json_response({"id": job.id, "object": "video.deleted", "deleted": True})


async def list_videos(request: web.Request) -> web.Response:
    query = request.query
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid("order must be asc or desc.", "order")
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        raise invalid("limit must be a number from 1 to 100.", "limit") from None
    if not 1 <= limit <= 100:
        raise invalid("limit must be a number from 1 to 100.", "limit")
    try:
        jobs, has_more = await request.app[keys.JOB_STORE].page(request.get("client_key_id", ""),
                                                                after=query.get("after"), limit=limit, order=order)
    except KeyError:
        raise ApiError(404, f"No video with id '{query.get('after')}' to page after.", param="after",
                       code="video_not_found") from None
    data = [video_object(job) for job in jobs]
    return web.json_response({"object": "list", "data": data, "has_more": has_more,
                              "first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/videos", create_video)
    app.router.add_get("/v1/videos", list_videos)
    app.router.add_get("/v1/videos/{video_id}", retrieve_video)
    app.router.add_get("/v1/videos/{video_id}/content", video_content)
    app.router.add_delete("/v1/videos/{video_id}", delete_video)
    app.router.add_post("/v1/videos/{video_id}/remix", remix_video)

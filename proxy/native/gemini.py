"""The native Gemini API under /v1beta, so Google's SDKs (google-genai) can use genproxy as their base URL.

- ``POST /v1beta/models/{model}:generateContent`` and ``:streamGenerateContent`` forward the body
  (already Gemini-shaped) through the route's upstream: genproxy's credentials, pools and routes.
- ``POST /v1beta/models/{model}:predictLongRunning`` turns the Veo body into the equivalent chat
  request and runs it through the video plugin's translate (so limits are checked before money
  is spent, and a Vertex route gets a Vertex body), then submits it and records a job, as
  ``POST /v1/videos`` does. The operation name is ``models/{model}/operations/{job id}``.
- ``GET /v1beta/models/{model}/operations/{job id}`` answers the job as a Google operation; a
  finished one names its videos as ``{genproxy}/v1beta/files/{file id}:download?alt=media``.
- ``GET /v1beta/files/{file id}:download`` streams the MP4 from genproxy's media store.
- ``GET /v1beta/models`` and ``GET /v1beta/models/{model}``: the routed models.

Errors are Google-shaped (``{"error": {"code", "message", "status"}}``), as the SDK expects.
The client key arrives as ``x-goog-api-key`` (the auth middleware accepts it under /v1beta/).
"""
from __future__ import annotations

import logging
from functools import wraps

from aiohttp import web

from proxy import keys
from proxy.handlers.common import read_json, resolve_route
from proxy.handlers.jobs_api import start_job
from proxy.http.errors import ApiError, client_safe, invalid
from proxy.http.ids import file_id_of_download, parse_file_id
from proxy.http.models import ChatCompletionRequest
from proxy.http.sse import SseWriter
from proxy.jobs.store import Job
from proxy.money.ledger import Charge, account_of, authorize_model, new_entry_id
from proxy.native.billing import native_actual, native_estimate
from proxy.native.image_predict import predict_images
from proxy.native.veo_body import VeoImage, parse_veo_request

log = logging.getLogger("genproxy.native")

OPERATION_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
JOB_PREFIX = "video_"
# HTTP status -> (google.rpc code, status name), for errors and failed operations.
RPC = {400: (3, "INVALID_ARGUMENT"), 401: (16, "UNAUTHENTICATED"), 403: (7, "PERMISSION_DENIED"),
       404: (5, "NOT_FOUND"), 409: (9, "FAILED_PRECONDITION"), 413: (3, "INVALID_ARGUMENT"),
       429: (8, "RESOURCE_EXHAUSTED"), 499: (1, "CANCELLED"), 500: (13, "INTERNAL"), 501: (12, "UNIMPLEMENTED"),
       502: (14, "UNAVAILABLE"), 503: (14, "UNAVAILABLE"), 504: (4, "DEADLINE_EXCEEDED")}
# Veo parameters (Gemini API names) -> genproxy's video_config names.
VEO_PARAMETERS = {"aspectRatio": "aspect_ratio", "resolution": "resolution", "durationSeconds": "duration_seconds",
                  "negativePrompt": "negative_prompt", "personGeneration": "person_generation", "seed": "seed",
                  "sampleCount": "number_of_videos", "enhancePrompt": "enhance_prompt",
                  "generateAudio": "generate_audio", "fps": "fps", "compressionQuality": "compression_quality",
                  "resizeMode": "resize_mode"}
ENUM_PARAMETERS = ("referenceType", "compressionQuality", "resizeMode")
TEXT_METHODS = ["generateContent", "streamGenerateContent", "countTokens"]
VIDEO_METHODS = ["predictLongRunning"]


# ------------------------------------------------------------------ errors

def google_error(exc: ApiError, status_names: dict[int, str] | None = None) -> web.Response:
    """An ApiError as google.rpc.Status JSON; ``status_names`` overrides the status name of some HTTP codes."""
    code, status = RPC.get(exc.status, (2, "UNKNOWN"))
    status = (status_names or {}).get(exc.status, status)
    headers = {k: v for k, v in (exc.headers or {}).items()}
    body = {"error": {"code": exc.status, "message": exc.message, "status": status}}
    if exc.param:
        body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                     "fieldViolations": [{"field": exc.param, "description": exc.message}]}]
    return web.json_response(body, status=exc.status, headers=headers)


def google_errors(handler):
    """Answer ApiErrors in Google's shape (the SDK reads error.code/message/status)."""

    @wraps(handler)
    async def wrapped(request: web.Request):
        try:
            return await handler(request)
        except ApiError as exc:
            request["status"] = exc.status
            return google_error(client_safe(request, exc))

    return wrapped


def _split(model_action: str) -> tuple[str, str]:
    model, _, action = model_action.rpartition(":")
    if not model:
        raise ApiError(404, f"Unknown method '{model_action}'.", code="not_found")
    return model, action


def _route(request: web.Request, model: str):
    request["model"] = model
    route = resolve_route(request.app, model)
    request["route"] = route.pattern or route.model
    authorize_model(request, route)
    return route


# ------------------------------------------------------------------ models

def _model_object(spec) -> dict:
    methods = VIDEO_METHODS if spec.modality == "video" else \
        [*TEXT_METHODS, "predict"] if spec.modality == "image" else TEXT_METHODS
    return {"name": f"models/{spec.model}", "baseModelId": spec.target or spec.model, "version": "genproxy",
            "displayName": spec.model, "description": spec.description or f"{spec.modality} via genproxy",
            "supportedGenerationMethods": methods}


@google_errors
async def list_models(request: web.Request) -> web.Response:
    table = request.app[keys.ROUTE_TABLE]
    return web.json_response({"models": [_model_object(spec) for spec in table.listed_models()]})


@google_errors
async def get_model(request: web.Request) -> web.Response:
    name = request.match_info["model"]
    route = _route(request, name)
    spec = next((s for s in request.app[keys.ROUTE_TABLE].specs if s.model == route.model), None)
    if spec is None:  # matched a glob: describe the name asked for
        return web.json_response({"name": f"models/{name}", "baseModelId": route.target, "version": "genproxy",
                                  "displayName": name, "supportedGenerationMethods": TEXT_METHODS})
    return web.json_response({**_model_object(spec), "name": f"models/{name}"})


# ------------------------------------------------------------------ generateContent

@google_errors
async def model_action(request: web.Request) -> web.StreamResponse:
    model, action = _split(request.match_info["model_action"])
    if action == "generateContent":
        return await _generate(request, model, stream=False)
    if action == "streamGenerateContent":
        return await _generate(request, model, stream=True)
    if action == "predictLongRunning":
        return await _predict_long_running(request, model)
    if action == "predict":
        return await predict_images(request, _route(request, model), await read_json(request))
    raise ApiError(404, f"genproxy does not serve models/{model}:{action}; it serves generateContent, "
                        "streamGenerateContent, predict (images) and predictLongRunning.", code="not_found")


async def _generate(request: web.Request, model: str, stream: bool) -> web.StreamResponse:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    route = _route(request, model)
    if route.modality == "video":
        raise invalid(f"{model} is a video model: call models/{model}:predictLongRunning (generate_videos).")
    upstream = request.app[keys.UPSTREAMS].get(route.upstream)
    ledger, entry = request.app[keys.LEDGER], new_entry_id()
    await ledger.reserve(entry, Charge(account_of(request), route.model, lambda: native_estimate(route, body)),
                         durable=False)
    seen: list[dict] = []
    try:
        if not stream:
            reply = await upstream.generate_content(route.target, body)
            await ledger.settle(entry, native_actual(route, body, [reply]))
            return web.json_response(reply)
        events = upstream.stream_generate_content(route.target, body)
        # Wait for the first event before answering 200, so an upstream error keeps its status.
        first = await anext(events, None)
    except BaseException:
        await ledger.release(entry)
        raise
    sse = await SseWriter.open(request)
    request["status"] = 200
    try:
        if first is not None:
            seen.append(first)
            await sse.send(first)
        async for event in events:
            seen.append(event if isinstance(event, dict) and "usageMetadata" in event else
                        {"candidates": event.get("candidates")} if isinstance(event, dict) else {})
            await sse.send(event)
    except ApiError as exc:
        request["status"] = exc.status
        client_safe(request, exc)
        await sse.send({"error": {"code": exc.status, "message": exc.message,
                                  "status": RPC.get(exc.status, (2, "UNKNOWN"))[1]}})
    finally:
        usage = native_actual(route, body, seen)
        if usage.input_tokens or usage.output_tokens or usage.images:
            await ledger.settle(entry, usage)
        else:
            await ledger.release(entry)
    return sse.response


# ------------------------------------------------------------------ Veo

def _data_uri(image: VeoImage, param: str) -> str:
    if image.gcsUri:
        return image.gcsUri
    data = image.bytesBase64Encoded or (image.inlineData.data if image.inlineData else None)
    mime = image.mimeType or (image.inlineData.mimeType if image.inlineData else None) or "image/png"
    if not data:
        raise invalid("An image needs bytesBase64Encoded (genproxy cannot fetch gcsUri on the Gemini API).", param)
    return f"data:{mime};base64,{data}"


def _enum_value(name: str, value):
    """Veo's enum values as genproxy's video_config spells them (lower case). Google writes them both ways:
    the Vertex Veo API reference and REST samples "asset", "optimized", "pad"; google-genai sends its enums'
    values, "ASSET", "OPTIMIZED", "PAD" (types.VideoGenerationReferenceType, VideoCompressionQuality,
    ImageResizeMode, copied unchanged by _GenerateVideosConfig_to_vertex)."""
    return value.lower() if name in ENUM_PARAMETERS and isinstance(value, str) else value


def veo_to_chat(model: str, body) -> ChatCompletionRequest:
    """The chat request equivalent to a predictLongRunning body (what the video plugin translates)."""
    if isinstance(body, dict) and isinstance(body.get("parameters"), dict):
        unknown = set(body["parameters"]) - set(VEO_PARAMETERS)
        if unknown:
            raise invalid(f"genproxy does not pass on the Veo parameter(s) {', '.join(sorted(unknown))}; "
                          f"it knows {', '.join(VEO_PARAMETERS)}.", "parameters")
    request = parse_veo_request(body)
    instance = request.instances[0]
    content: list[dict] = []
    if instance.prompt:
        content.append({"type": "text", "text": instance.prompt})
    if instance.image is not None:
        content.append({"type": "image_url", "image_url": {"url": _data_uri(instance.image, "instances[0].image")}})
    parameters = request.parameters.model_dump(exclude_none=True) if request.parameters else {}
    config = {VEO_PARAMETERS[name]: _enum_value(name, value) for name, value in parameters.items()
              if name in VEO_PARAMETERS}
    if instance.lastFrame is not None:
        config["last_frame"] = _data_uri(instance.lastFrame, "instances[0].lastFrame")
    if instance.referenceImages:
        config["reference_images"] = [
            {"url": _data_uri(ref.image, f"instances[0].referenceImages[{i}].image"),
             "reference_type": _enum_value("referenceType", ref.referenceType or "asset")}
            for i, ref in enumerate(instance.referenceImages)]
    if instance.video is not None:
        uri = instance.video.uri or instance.video.gcsUri
        if not uri:
            raise invalid("Extend a video by its uri (a file or job of an earlier genproxy video); "
                          "video bytes are not accepted.", "instances[0].video")
        # genproxy's own file URL (what operations answer) names a job: the job reference becomes Google's
        # Files URI (Gemini API) or the bytes (Vertex) before anything is sent.
        own = own_file_job(uri)
        config["video"] = own or uri
    return ChatCompletionRequest.model_validate({
        "model": model, "messages": [{"role": "user", "content": content}], "modalities": ["video", "text"],
        "video_config": config})


async def _predict_long_running(request: web.Request, model: str) -> web.Response:
    job = await start_video_job(request, model, await read_json(request), source="gemini-native")
    return web.json_response({"name": _operation_name(job)})


async def start_video_job(request: web.Request, model: str, body, source: str) -> Job:
    """A Veo predictLongRunning body run as POST /v1/videos runs it: translate (limits), submit, track. A Veo id
    Google no longer serves is served by its replacement (Gemini Omni for the Veo previews on the Gemini API,
    learned from Google's 404 or discovery): the operation is genproxy's own, so the caller's SDK polls it
    unchanged."""
    route = _route(request, model)
    if route.modality not in request.app[keys.PIPELINE].video_modalities():
        raise invalid(f"{model} is not a video model; call models/{model}:generateContent.", "model")
    chat = veo_to_chat(model, body)
    return await request.app[keys.JOB_RUNNER].shielded(start_job(request, chat, source))


def _operation_name(job: Job) -> str:
    return f"models/{job.model}/operations/{job.id}"


def _file_id(job: Job, index: int) -> str:
    """Lowercase letters and digits only: the SDK cuts the file name out of the URI with [a-z0-9]+."""
    return f"{job.id.removeprefix(JOB_PREFIX)}v{index}"


def own_file_job(uri: str) -> str | None:
    """The job id named by one of genproxy's own file URLs (``.../v1beta/files/<id>:download``), else None."""
    path = uri.partition("?")[0]
    if len(path) > 2048 or ("/v1beta/files/" not in path and "/v1/files/" not in path):
        return None
    file_id = file_id_of_download(path.rpartition("/files/")[2])
    parsed = parse_file_id(file_id) if file_id else None
    return parsed[0] if parsed else None


def _parse_file_id(file_id: str) -> tuple[str, int]:
    parsed = parse_file_id(file_id)
    if parsed is None:
        raise ApiError(404, f"No file '{file_id}'.", code="file_not_found")
    return parsed


async def own_job(request: web.Request, job_id: str) -> Job:
    job = await request.app[keys.JOB_STORE].get(job_id, request.get("client_key_id", ""))
    if job is None:
        raise ApiError(404, f"No operation '{job_id}' for this key.", code="operation_not_found")
    return job


def operation_error(job: Job) -> dict:
    """A failed job as a google.rpc.Status: {"code", "message"}."""
    error = job.error or {}
    status = error.get("status", 500)
    # A generation that failed upstream (502) is INTERNAL, as Google reports it; others keep their kind.
    code = 13 if status in (500, 502) else RPC.get(status, (13, "INTERNAL"))[0]
    return {"code": code, "message": error.get("message", "The job failed.")}


def operation_of(job: Job, base_url: str) -> dict:
    name = _operation_name(job)
    if not job.finished:
        # As Google answers: the operation's metadata is an Any holding a PredictLongRunningMetadata, which has
        # no fields (google-ai-generativelanguage 0.12.1), so no progress; GET /v1/videos/{id} has it.
        return {"name": name, "done": False}
    if job.status == "failed":
        return {"name": name, "done": True, "error": operation_error(job)}
    media = (job.result or {}).get("media") or []
    # v1beta Video is {video, uri}: no mime type (the samples are MP4s).
    samples = [{"video": {"uri": f"{base_url}/v1beta/files/{_file_id(job, i)}:download?alt=media"}}
               for i in range(len(media))]
    return {"name": name, "done": True,
            "response": {"@type": OPERATION_TYPE,
                         "generateVideoResponse": {"generatedSamples": samples, "raiMediaFilteredCount": 0}}}


@google_errors
async def get_operation(request: web.Request) -> web.Response:
    job = await own_job(request, request.match_info["operation"])
    base = request.app[keys.SETTINGS].public_base_url or str(request.url.origin())
    return web.json_response(operation_of(job, base.rstrip("/")))


@google_errors
async def download_file(request: web.Request) -> web.StreamResponse:
    tail = request.match_info["tail"]
    # The SDK takes the file id from an https:// URI; from an http:// one it sends the whole URI as the
    # name (files/http://host/v1beta/files/<id>:download): take the last files/<id> either way.
    # Parsed in linear time (proxy.http.ids): the path is the client's choice.
    file_id = file_id_of_download(tail)
    if file_id is None:
        raise ApiError(404, "No such file; download with files/<id>:download.", code="file_not_found")
    job_id, index = _parse_file_id(file_id)
    job = await own_job(request, job_id)
    media = (job.result or {}).get("media") or []
    if job.status != "completed" or index >= len(media):
        raise ApiError(404, f"No file '{file_id}'.", code="file_not_found")
    stored = (await request.app[keys.JOB_RUNNER].stored_media(job))[index]
    return web.FileResponse(stored.path, headers={"Content-Type": stored.mime_type})


def add_gemini_routes(app: web.Application) -> None:
    # google-genai 3.x calls /v1/... by default (api_version "v1"), older ones and Google's docs /v1beta/...:
    # serve both. GET /v1/models and /v1/models/{model} are OpenAI's too: create_app answers them by the
    # caller's dialect (proxy.native.dialect), Google's clients with these handlers.
    app.router.add_get("/v1beta/models", list_models)
    app.router.add_get("/v1beta/models/{model}", get_model)
    for prefix in ("/v1beta", "/v1"):
        app.router.add_get(prefix + "/models/{model}/operations/{operation}", get_operation)
        app.router.add_post(prefix + "/models/{model_action:[^{}/]+:[A-Za-z]+}", model_action)
        app.router.add_get(prefix + "/files/{tail:.+:download}", download_file)

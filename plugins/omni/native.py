"""Google's Interactions API in front of genproxy, for google-genai's ``client.interactions``.

- ``POST /{v1beta|v1}/interactions`` (CreateModelInteraction) becomes the equivalent chat request, runs
  through the omni plugin's translate (limits checked before anything is sent) and is recorded as a job of
  the caller's key; the interaction id is the job id. ``background: true`` answers at once (in_progress);
  otherwise the answer waits for the end, as Google's blocking mode does.
- ``GET /{v}/interactions/{id}`` answers the job as an Interaction; a completed one carries a
  ``model_output`` step with the video inline (``data``, base64, streamed from the media store).
- ``POST /{v}/interactions/{id}/cancel`` cancels a running job (and its interaction at Google).

Paths and shapes: ai.google.dev/static/api/interactions.openapi.json and google-genai 3.6
(``_gaos/interactions.py``: "/{api_version}/interactions", ".../{interactionsId}", ".../{interactionsId}/cancel").
Errors are Google-shaped ({"error": {"code", "message", "status"}}), as the SDK expects.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from aiohttp import web

from proxy.hookspecs import (
    ApiError,
    ChatCompletionRequest,
    JobInfo,
    cancel_job,
    find_job,
    google_error_response,
    invalid,
    job_media,
    read_json_body,
    start_video_job,
    wait_job,
    write_json_body,
)

# Where the Interactions API names a status otherwise than genproxy's other Google paths: a 409 here is an
# interaction cancelled at Google (ABORTED), not a precondition.
STATUS_NAMES = {409: "ABORTED"}
RPC_CODES = {400: 3, 404: 5, 409: 10, 429: 8, 500: 13, 502: 13, 503: 14, 504: 4}
# CreateModelInteraction fields genproxy passes on (the rest would be silently lost, so they are refused).
KNOWN_FIELDS = {"model", "input", "background", "previous_interaction_id", "response_modalities", "response_format",
                "generation_config", "system_instruction", "store", "stream"}
BLOCKING_WAIT = 900.0
# translate names chat parameters; a google-genai caller sent these interaction fields.
PARAMS = {"video_config.duration_seconds": "response_format.duration",
          "video_config.aspect_ratio": "response_format.aspect_ratio",
          "video_config.resolution": "response_format.resolution", "video_config.seed": "generation_config.seed",
          "video_config.previous_video": "previous_interaction_id", "messages": "input"}


def google_errors(handler):
    @wraps(handler)
    async def wrapped(request: web.Request):
        try:
            return await handler(request)
        except ApiError as exc:
            request["status"] = exc.status
            if exc.param in PARAMS:
                exc.param = PARAMS[exc.param]
            elif exc.param and exc.param.startswith("messages["):
                exc.param = "input"
            return google_error_response(request, exc, STATUS_NAMES)

    return wrapped


# ------------------------------------------------------------------ request

def _data_uri(content: dict, param: str) -> str:
    if content.get("data"):
        mime = content.get("mime_type")
        if not mime:
            raise invalid(f"'{param}.mime_type' is required with inline data.", f"{param}.mime_type")
        return f"data:{mime};base64,{content['data']}"
    if content.get("uri"):
        return content["uri"]
    raise invalid(f"A {content.get('type')} content needs data or uri.", param)


def _parts(value, param: str) -> list[dict]:
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    items = value if isinstance(value, list) else [value]
    parts: list[dict] = []
    for index, item in enumerate(items):
        where = f"{param}[{index}]" if isinstance(value, list) else param
        if not isinstance(item, dict):
            raise invalid("Each input item must be a content object with a type.", where)
        kind = item.get("type")
        if kind == "user_input":
            parts += _parts(item.get("content") or [], f"{where}.content")
        elif kind in ("model_output", "thought"):
            continue
        elif kind == "text":
            parts.append({"type": "text", "text": str(item.get("text", ""))})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _data_uri(item, where)}})
        elif kind == "video":
            parts.append({"type": "video_url", "video_url": {"url": _data_uri(item, where)}})
        elif kind == "audio":
            parts.append({"type": "input_audio", "input_audio": {}})  # refused by translate with the model's words
        else:
            raise invalid(f"genproxy passes on text, image and video contents; got '{kind}'.", f"{where}.type")
    return parts


def _video_config(body: dict) -> dict:
    config: dict = {}
    formats = body.get("response_format")
    formats = formats if isinstance(formats, list) else [formats] if formats else []
    for item in formats:
        if not isinstance(item, dict) or item.get("type") != "video":
            continue
        if item.get("duration") is not None:
            match = re.fullmatch(r"(\d+)(?:\.0+)?s", str(item["duration"]))
            if not match:
                raise invalid("response_format.duration must be a duration such as \"8s\".", "response_format.duration")
            config["duration_seconds"] = int(match[1])
        for name in ("aspect_ratio", "resolution"):
            if item.get(name) is not None:
                config[name] = item[name]
    generation = body.get("generation_config") or {}
    if not isinstance(generation, dict):
        raise invalid("generation_config must be an object.", "generation_config")
    if generation.get("seed") is not None:
        config["seed"] = generation["seed"]
    if body.get("previous_interaction_id") is not None:
        config["previous_video"] = body["previous_interaction_id"]
    return config


def interaction_to_chat(body) -> tuple[ChatCompletionRequest, bool]:
    """The chat request equivalent to a CreateModelInteraction body, and whether it runs in the background."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise invalid(f"genproxy does not pass on the interaction field(s) {', '.join(unknown)}.", unknown[0])
    if body.get("stream"):
        raise invalid("Streaming a video interaction is not supported; create it with background=true and poll.",
                      "stream")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("model is required.", "model")
    modalities = body.get("response_modalities")
    if modalities is not None and "video" not in [str(m).lower() for m in modalities]:
        raise invalid("genproxy serves video interactions: response_modalities must include video.",
                      "response_modalities")
    if body.get("input") is None:
        raise invalid("input is required.", "input")
    messages = []
    if isinstance(body.get("system_instruction"), str) and body["system_instruction"].strip():
        messages.append({"role": "system", "content": body["system_instruction"]})
    messages.append({"role": "user", "content": _parts(body["input"], "input")})
    chat = ChatCompletionRequest.model_validate({"model": model.removeprefix("models/"), "messages": messages,
                                                 "modalities": ["video", "text"], "video_config": _video_config(body)})
    return chat, bool(body.get("background"))


# ------------------------------------------------------------------ answer

def _iso(seconds: float | None) -> str | None:
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(job: JobInfo) -> str:
    if job.status in ("queued", "in_progress"):
        return "in_progress"
    if job.status == "completed":
        return "completed"
    code = (job.error or {}).get("code")
    outcomes: dict[object, str] = {"cancelled": "cancelled", "generation_cancelled": "cancelled",
                                   "generation_incomplete": "incomplete"}
    return outcomes.get(code, "failed")


def _usage(usage: dict | None) -> dict | None:
    if not usage:
        return None
    video = (usage.get("completion_tokens_details") or {}).get("video_tokens") or 0
    thoughts = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return {"total_input_tokens": usage.get("prompt_tokens", 0),
            "total_output_tokens": usage.get("completion_tokens", 0) - thoughts,
            "total_thought_tokens": thoughts, "total_tokens": usage.get("total_tokens", 0),
            "output_tokens_by_modality": [{"modality": "video", "tokens": video}] if video else []}


async def interaction_of(request: web.Request, job: JobInfo) -> dict:
    status = _status(job)
    # Google's Interaction has no object nor role field (google-genai 3.6.1 types/interactions/interaction.py).
    body: dict[str, Any] = {"id": job.id, "model": job.model, "status": status,
            "created": _iso(job.created_at), "updated": _iso(job.completed_at or job.created_at)}
    if job.notes.get("previous_video"):
        body["previous_interaction_id"] = job.notes["previous_video"]
    if status == "in_progress":
        return body
    steps: list[dict[str, Any]] = [
        {"type": "user_input", "content": [{"type": "text", "text": job.summary.get("prompt", "")}]}]
    if status == "completed":
        media = await job_media(request, job)
        steps.append({"type": "model_output", "content": [
            {"type": "video", "mime_type": stream.mime_type, "data": replace(stream, bare=True)} for stream in media]})
        usage = _usage(job.usage)
        if usage:
            body["usage"] = usage
    else:
        error = job.error or {}
        status_code = error.get("status", 502)
        steps.append({"type": "model_output", "error": {"code": RPC_CODES.get(status_code, 13),
                                                        "message": error.get("message", "The job failed.")}})
    body["steps"] = steps
    return body


async def _answer(request: web.Request, job: JobInfo) -> web.StreamResponse:
    return await write_json_body(request, await interaction_of(request, job))


async def _own(request: web.Request) -> JobInfo:
    job_id = request.match_info["interaction_id"]
    job = await find_job(request, job_id)
    if job is None:
        raise ApiError(404, f"Interaction {job_id} not found.", code="interaction_not_found")
    return job


# ------------------------------------------------------------------ handlers

@google_errors
async def create_interaction(request: web.Request) -> web.StreamResponse:
    chat, background = interaction_to_chat(await read_json_body(request))
    job = await start_video_job(request, chat, "interactions")
    if not background:
        job = await wait_job(request, job.id, BLOCKING_WAIT)
    return await _answer(request, job)


@google_errors
async def get_interaction(request: web.Request) -> web.StreamResponse:
    if request.query.get("stream") not in (None, "false", "False"):
        raise invalid("Streaming a video interaction is not supported; poll it with stream=false.", "stream")
    return await _answer(request, await _own(request))


@google_errors
async def cancel_interaction(request: web.Request) -> web.StreamResponse:
    job = await _own(request)
    if job.status not in ("queued", "in_progress"):
        raise ApiError(400, "Only background interactions that are in progress can be cancelled.",
                       code="not_cancellable")
    await cancel_job(request, job)
    return await _answer(request, await _own(request))


def routes() -> list[tuple[str, str, object]]:
    found = []
    # google-genai 3.x sends api_version v1 by default, Google's docs v1beta: both are served.
    for version in ("v1beta", "v1"):
        found += [("POST", f"/{version}/interactions", create_interaction),
                  ("GET", f"/{version}/interactions/{{interaction_id}}", get_interaction),
                  ("POST", f"/{version}/interactions/{{interaction_id}}/cancel", cancel_interaction)]
    return found


def openapi_paths() -> dict:
    """The Interactions API paths genproxy serves, for /openapi.json (Google's shapes, Google's errors)."""
    google: list[dict[str, list[str]]] = [{"googleApiKey": []}, {"bearer": []}]
    error: dict[str, Any] = {"default": {"$ref": "#/components/responses/GoogleError"}}
    interaction: dict[str, Any] = {"200": {"description": "an interaction (ai.google.dev/static/api/interactions.openapi.json)",
                           "content": {"application/json": {"schema": {"type": "object"}}}}}
    param = [{"name": "interaction_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths: dict[str, Any] = {}
    for version in ("v1beta", "v1"):
        paths[f"/{version}/interactions"] = {"post": {
            "operationId": f"createInteraction_{version}", "summary": "Gemini Omni video through the Interactions API",
            "security": google, "responses": {**interaction, **error},
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["model", "input"]}}}}}}
        paths[f"/{version}/interactions/{{interaction_id}}"] = {"get": {
            "operationId": f"getInteraction_{version}", "summary": "An interaction (a genproxy job)",
            "security": google, "parameters": param, "responses": {**interaction, **error}}}
        paths[f"/{version}/interactions/{{interaction_id}}/cancel"] = {"post": {
            "operationId": f"cancelInteraction_{version}", "summary": "Cancel a running interaction at Google",
            "security": google, "parameters": param, "responses": {**interaction, **error}}}
    return paths

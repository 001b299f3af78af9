"""Gemini Omni on the Interactions API: create, get, cancel and delete interactions.

Wire format from Google's definitions: the OpenAPI document ai.google.dev/static/api/interactions.openapi.json
and google-genai 3.6's generated client (``google/genai/_gaos/interactions.py`` and
``_gaos/types/interactions/*.py``):

- ``POST /{v1beta|v1}/interactions`` (CreateModelInteraction: ``model``, ``input`` as a string, one content,
  a list of contents or a list of steps, ``background``, ``previous_interaction_id``, ``response_modalities``,
  ``response_format`` (VideoResponseFormat: ``type: "video"``, ``aspect_ratio`` 16:9|9:16, ``duration``
  (a string such as "8s"), ``resolution`` 360p|720p|1080p|4k, ``delivery`` inline|uri, ``gcs_uri``),
  ``generation_config`` (GenerationConfig, ``video_config.task``), ...) -> the Interaction.
- ``GET /{v}/interactions/{id}`` -> the Interaction (``status`` in_progress, completed, failed, cancelled,
  incomplete, ...; once done ``steps[]``: ``user_input``, ``thought`` with a ``signature``, ``model_output``
  whose ``content[]`` holds ``{"type": "video", "mime_type": "video/mp4", "data"}`` or ``uri``; ``usage``
  with ``output_tokens_by_modality``).
- ``POST /{v}/interactions/{id}/cancel`` -> the Interaction, cancelled (background interactions only).
- ``DELETE /{v}/interactions/{id}`` -> ``{}``.

Only Gemini Omni models are served here (the text models answer generateContent). Omni's limits:
durations, aspect ratios, resolutions, 10 input images and one input video (sources in ``OMNI_MODELS``).
A bearer token is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT, ../shared/docs/google-2026-11.md section 3):
the Interactions API takes API keys.

Fault markers (``[emulate:NAME]`` in any text of the input) work as for Veo: ``quota``, ``quota-once``,
``server-error``, ``unavailable`` and ``malformed`` at create; ``poll-error``, ``poll-error-always`` and
``slow-poll`` at get; ``delay=N``; ``operation-error`` ends the interaction ``failed`` (the model_output
step carries a google.rpc.Status error), ``safety``/``blocked`` end it ``failed`` with the safety reason
(ErrorInfo reason SAFETY), ``incomplete`` ends it ``incomplete``; ``cut-download`` cuts a ``uri`` download.
The emulator's convention for failures is its own (Google documents the statuses, not the failure body).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from .auth import api_key, bearer_token, require_gemini_auth
from .errors import GoogleError, invalid_argument, model_not_found, not_found, unknown_field
from .faults import MALFORMED_BODY, Faults, submit_error
from .media import padded_size, sample_path, video_base64
from .operations import FILTERED_REASON, OPERATION_ERROR, apply_poll_faults, base_url, new_id
from .state import EMULATOR_STATE, EmulatorState, VideoFile


@dataclass(frozen=True)
class OmniModel:
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    default_duration: int


# gemini-omni-flash-preview: Google Cloud model card (docs.cloud.google.com/gemini-enterprise-agent-platform/
# models/gemini/omni-flash-preview): 16:9 and 9:16, 720p, videos up to 10 s, at most 10 images per prompt;
# 3-10 s (shared/docs/google-2026-11.md section 2). gemini-omni-1.1-flash (GA 2026-08-27): 4, 6, 8, 10 s,
# 360p to 4k (google-genai VideoResponseFormat.resolution; 3P: venice.ai model page). gemini-omni-1.2-flash:
# 3-15 s, 360p to 4k (3P: civitai and runware model pages).
OMNI_MODELS: dict[str, OmniModel] = {
    "gemini-omni-flash-preview": OmniModel(tuple(range(3, 11)), ("720p",), 8),
    "gemini-omni-1.1-flash": OmniModel((4, 6, 8, 10), ("360p", "720p", "1080p", "4k"), 8),
    "gemini-omni-1.2-flash": OmniModel(tuple(range(3, 16)), ("360p", "720p", "1080p", "4k"), 8),
}
ASPECT_RATIOS = ("16:9", "9:16")
DELIVERIES = ("inline", "uri")
MAX_IMAGES = 10
MAX_VIDEOS = 1
# A 10 s clip counts 57,920 video tokens (shared/docs/google-2026-11.md section 2; the model card's
# maximum output tokens): 5,792 per second.
VIDEO_TOKENS_PER_SECOND = 5792
# Larger videos come back as a uri instead of inline data (3P: apidog "How to use Gemini Omni 1.1 Flash API").
INLINE_LIMIT_BYTES = 4 * 1024 * 1024

# CreateModelInteraction's fields (google-genai _gaos/types/interactions/createmodelinteraction.py).
CREATE_FIELDS = {"model", "input", "background", "cached_content", "continuation_token", "environment",
                 "generation_config", "labels", "previous_interaction_id", "response_format",
                 "response_mime_type", "response_modalities", "safety_settings", "service_tier", "store",
                 "stream", "system_instruction", "tools", "webhook_config", "agent", "agent_config"}
GENERATION_CONFIG_FIELDS = {"image_config", "max_output_tokens", "seed", "speech_config", "stop_sequences",
                            "temperature", "thinking_level", "thinking_summaries", "tool_choice", "top_p",
                            "transcription_config", "video_config"}
VIDEO_FORMAT_FIELDS = {"type", "aspect_ratio", "delivery", "duration", "gcs_uri", "resolution"}
RESPONSE_MODALITIES = ("text", "image", "audio", "video", "document")
VIDEO_TASKS = ("text_to_video", "image_to_video", "reference_to_video", "edit", "extend", "upscale")
CONTENT_TYPES = ("text", "image", "audio", "video", "document")
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif")
VIDEO_MIME_TYPES = ("video/mp4", "video/mpeg", "video/mpg", "video/mov", "video/avi", "video/x-flv", "video/webm",
                    "video/wmv", "video/3gpp", "video/quicktime")

SCOPE_MESSAGE = "Request had insufficient authentication scopes."
NOT_CANCELLABLE = "Only background interactions that are in progress can be cancelled."


@dataclass
class Interaction:
    """One interaction the emulator answers for."""

    id: str
    model: str
    created: float  # time.monotonic()
    created_iso: str
    delay: float
    faults: Faults
    video: VideoFile
    duration: int
    aspect_ratio: str
    resolution: str
    delivery: str
    user_content: list[dict[str, Any]]
    input_tokens: int
    previous_interaction_id: str | None = None
    cancelled: bool = False
    polls: int = 0
    updated_iso: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def done(self) -> bool:
        return self.cancelled or time.monotonic() - self.created >= self.delay

    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if not self.done():
            return "in_progress"
        if "operation-error" in self.faults or "safety" in self.faults or "blocked" in self.faults:
            return "failed"
        if "incomplete" in self.faults:
            return "incomplete"
        return "completed"


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def require_api_key(request: web.Request, state: EmulatorState) -> None:
    """The Interactions API takes API keys; an OAuth token is refused as generativelanguage refuses it."""
    if api_key(request) is None and bearer_token(request) is not None:
        raise GoogleError(403, SCOPE_MESSAGE, "PERMISSION_DENIED", [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
             "domain": "googleapis.com",
             "metadata": {"service": "generativelanguage.googleapis.com",
                          "method": "google.ai.generativelanguage.v1beta.InteractionService.CreateInteraction"}}])
    require_gemini_auth(request, state)


# ---------------------------------------------------------------- validation

@dataclass
class _Input:
    content: list[dict[str, Any]]
    texts: list[str]
    images: int = 0
    videos: int = 0


def _content(item: Any, where: str, found: _Input, model: str) -> None:
    if not isinstance(item, dict):
        raise invalid_argument(f"Invalid value at '{where}': a content must be an object with a type.", where)
    kind = item.get("type")
    if kind not in CONTENT_TYPES:
        raise invalid_argument(f"Invalid value at '{where}.type' (oneof), \"{kind}\". "
                               f"Expected one of: {', '.join(CONTENT_TYPES)}.", f"{where}.type")
    if kind == "text":
        if not isinstance(item.get("text"), str):
            raise invalid_argument(f"'{where}.text' is required for a text content.", f"{where}.text")
        found.texts.append(item["text"])
    elif kind in ("image", "video"):
        data, uri = item.get("data"), item.get("uri")
        if not data and not uri:
            raise invalid_argument(f"An {kind} content needs data or uri.", where)
        if data is not None:
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise invalid_argument(f"Invalid value at '{where}.data' (TYPE_BYTES), Base64 decoding failed.",
                                       f"{where}.data") from None
        allowed = IMAGE_MIME_TYPES if kind == "image" else VIDEO_MIME_TYPES
        mime = item.get("mime_type")
        if data is not None and mime is None:
            raise invalid_argument(f"'{where}.mime_type' is required with inline data.", f"{where}.mime_type")
        if mime is not None and mime not in allowed:
            raise invalid_argument(f"Unsupported MIME type: {mime}. {model} accepts {', '.join(allowed)}.",
                                   f"{where}.mime_type")
        if kind == "image":
            found.images += 1
        else:
            found.videos += 1
    elif kind == "audio":
        # The model card: "Audio: Not supported".
        raise invalid_argument(f"Audio input is not supported by {model}.", where)
    else:
        raise invalid_argument(f"Document input is not supported by {model}.", where)
    found.content.append(item)


def parse_input(value: Any, model: str) -> _Input:
    found = _Input(content=[], texts=[])
    if isinstance(value, str):
        found.texts.append(value)
        found.content.append({"type": "text", "text": value})
    elif isinstance(value, dict):
        _content(value, "input", found, model)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = f"input[{index}]"
            if isinstance(item, dict) and item.get("type") == "user_input":
                for sub, content in enumerate(item.get("content") or []):
                    _content(content, f"{where}.content[{sub}]", found, model)
            elif isinstance(item, dict) and item.get("type") in ("model_output", "thought"):
                continue  # earlier turns sent back by a client: kept by Google, nothing to check here
            else:
                _content(item, where, found, model)
    elif value is None:
        raise invalid_argument("input is required.", "input")
    else:
        raise invalid_argument("Invalid value at 'input': a string, a content or a list.", "input")
    if not found.content:
        raise invalid_argument("input must not be empty.", "input")
    if found.images > MAX_IMAGES:
        raise invalid_argument(f"Too many input images: {found.images}. {model} accepts at most {MAX_IMAGES}.",
                               "input")
    if found.videos > MAX_VIDEOS:
        raise invalid_argument(f"Too many input videos: {found.videos}. {model} accepts at most one.", "input")
    return found


def _video_format(value: Any, model: str, spec: OmniModel) -> dict[str, Any]:
    formats = value if isinstance(value, list) else [] if value is None else [value]
    video = None
    for index, item in enumerate(formats):
        where = f"response_format[{index}]" if isinstance(value, list) else "response_format"
        if not isinstance(item, dict):
            raise invalid_argument(f"Invalid value at '{where}': an object with a type.", where)
        if item.get("type") == "video":
            for name in item:
                if name not in VIDEO_FORMAT_FIELDS:
                    raise unknown_field(name, where)
            video = item
        elif item.get("type") not in ("text", "image", "audio"):
            raise invalid_argument(f"Invalid value at '{where}.type', \"{item.get('type')}\".", f"{where}.type")
    video = video or {}
    aspect = video.get("aspect_ratio", "16:9")
    if aspect not in ASPECT_RATIOS:
        raise invalid_argument(f"Unsupported aspect ratio: {aspect}. Supported: {', '.join(ASPECT_RATIOS)}.",
                               "response_format.aspect_ratio")
    resolution = video.get("resolution", "720p")
    if resolution not in spec.resolutions:
        raise invalid_argument(f"Unsupported resolution {resolution} for {model}. "
                               f"Supported resolutions: {', '.join(spec.resolutions)}.", "response_format.resolution")
    duration = spec.default_duration
    if "duration" in video:
        raw = video["duration"]
        match = re.fullmatch(r"(\d+)(?:\.0+)?s", raw) if isinstance(raw, str) else None
        if not match:
            raise invalid_argument(f"Invalid value at 'response_format.duration', \"{raw}\": a duration such as "
                                   "\"8s\".", "response_format.duration")
        duration = int(match[1])
        if duration not in spec.durations:
            allowed = (f"{spec.durations[0]} to {spec.durations[-1]} seconds" if len(spec.durations) > 4
                       else ", ".join(f"{d}s" for d in spec.durations))
            raise invalid_argument(f"Unsupported duration {duration}s for {model}. Supported durations: {allowed}.",
                                   "response_format.duration")
    delivery = video.get("delivery", "inline")
    if delivery not in DELIVERIES:
        raise invalid_argument(f"Invalid value at 'response_format.delivery', \"{delivery}\".",
                               "response_format.delivery")
    if video.get("gcs_uri"):
        raise invalid_argument("gcs_uri is only supported on Vertex AI.", "response_format.gcs_uri")
    return {"aspect_ratio": aspect, "resolution": resolution, "duration": duration, "delivery": delivery}


def _generation_config(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_argument("Invalid value at 'generation_config': an object.", "generation_config")
    for name in value:
        if name not in GENERATION_CONFIG_FIELDS:
            raise unknown_field(name, "generation_config")
    seed = value.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise invalid_argument(f"Invalid value at 'generation_config.seed' (TYPE_INT32), {seed!r}",
                               "generation_config.seed")
    video_config = value.get("video_config")
    if video_config is not None:
        if not isinstance(video_config, dict):
            raise invalid_argument("Invalid value at 'generation_config.video_config'.", "generation_config.video_config")
        for name in video_config:
            if name != "task":
                raise unknown_field(name, "generation_config.video_config")
        task = video_config.get("task")
        if task is not None and task not in VIDEO_TASKS:
            raise invalid_argument(f"Invalid value at 'generation_config.video_config.task', \"{task}\". "
                                   f"Expected one of: {', '.join(VIDEO_TASKS)}.", "generation_config.video_config.task")


def validate(body: Any, state: EmulatorState) -> tuple[str, OmniModel, _Input, dict[str, Any]]:
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    for name in body:
        if name not in CREATE_FIELDS:
            raise unknown_field(name, "")
    model = body.get("model")
    if body.get("agent") is not None:
        raise not_found(f"Agent {body['agent']} not found.")
    if not isinstance(model, str) or not model:
        raise invalid_argument("model is required.", "model")
    model = model.removeprefix("models/")
    spec = OMNI_MODELS.get(model)
    if spec is None:
        raise model_not_found(model, "interactions")
    modalities = body.get("response_modalities")
    if modalities is not None:
        if not isinstance(modalities, list):
            raise invalid_argument("Invalid value at 'response_modalities': a list.", "response_modalities")
        for index, value in enumerate(modalities):
            if value not in RESPONSE_MODALITIES:
                raise invalid_argument(f"Invalid value at 'response_modalities[{index}]', \"{value}\". "
                                       f"Expected one of: {', '.join(RESPONSE_MODALITIES)}.",
                                       f"response_modalities[{index}]")
        if "video" not in modalities:
            raise invalid_argument(f"{model} generates video: response_modalities must include video.",
                                   "response_modalities")
    found = parse_input(body.get("input"), model)
    video = _video_format(body.get("response_format"), model, spec)
    _generation_config(body.get("generation_config"))
    previous = body.get("previous_interaction_id")
    if previous is not None:
        earlier = state.interactions.get(previous) if isinstance(previous, str) else None
        if earlier is None:
            raise not_found(f"Interaction {previous} not found.")
        if earlier.status() != "completed":
            raise GoogleError(400, f"Interaction {previous} is {earlier.status()}; only a completed interaction "
                                   "can be continued.", "FAILED_PRECONDITION")
    if body.get("background") is not None and not isinstance(body["background"], bool):
        raise invalid_argument("Invalid value at 'background' (TYPE_BOOL).", "background")
    return model, spec, found, video


# ---------------------------------------------------------------- answers

def interaction_body(item: Interaction, request: web.Request) -> dict[str, Any]:
    status = item.status()
    body: dict[str, Any] = {"id": item.id, "object": "interaction", "model": item.model, "status": status,
                            "role": "model", "created": item.created_iso,
                            "updated": item.updated_iso or item.created_iso}
    if item.previous_interaction_id:
        body["previous_interaction_id"] = item.previous_interaction_id
    if status in ("in_progress", "cancelled"):
        return body
    body["updated"] = item.updated_iso = item.updated_iso or _now_iso()
    steps: list[dict[str, Any]] = [
        {"type": "user_input", "content": item.user_content},
        {"type": "thought", "signature": base64.b64encode(f"sig-{item.id}".encode()).decode()},
    ]
    output_tokens = 0
    if status == "failed":
        if "operation-error" in item.faults:
            error = dict(OPERATION_ERROR)
        else:
            error = {"code": 3, "message": FILTERED_REASON,
                     "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SAFETY",
                                  "domain": "generativelanguage.googleapis.com"}]}
        steps.append({"type": "model_output", "error": error})
    elif status == "incomplete":
        steps.append({"type": "model_output", "content": [
            {"type": "text", "text": "The video could not be finished within the output token limit."}]})
    else:
        settings = request.app[EMULATOR_STATE].settings
        size = padded_size(item.video.sample, settings.video_padding_bytes)
        content: dict[str, Any] = {"type": "video", "mime_type": "video/mp4"}
        if item.delivery == "uri" or size > INLINE_LIMIT_BYTES:
            content["uri"] = f"{base_url(request)}/v1beta/files/{item.video.file_id}:download?alt=media"
        else:
            content["data"] = video_base64(item.video.sample, settings.video_padding_bytes)
        steps.append({"type": "model_output", "content": [content]})
        output_tokens = VIDEO_TOKENS_PER_SECOND * item.duration
    body["steps"] = steps
    body["usage"] = {
        "total_input_tokens": item.input_tokens,
        "input_tokens_by_modality": [{"modality": "text", "tokens": item.input_tokens}],
        "total_output_tokens": output_tokens,
        "output_tokens_by_modality": [{"modality": "video", "tokens": output_tokens}] if output_tokens else [],
        "total_thought_tokens": 0,
        "total_tokens": item.input_tokens + output_tokens,
    }
    return body


async def create_interaction(request: web.Request) -> web.Response:
    state = request.app[EMULATOR_STATE]
    require_api_key(request, state)
    body = request.get("json")
    model, spec, found, video = validate(body, state)
    prompt = "\n".join(found.texts)
    try:
        faults = Faults.from_texts(found.texts, state.settings.faults)
    except ValueError as exc:
        raise invalid_argument(str(exc)) from None
    error = submit_error(faults, state.quota_once_seen, prompt)
    if error:
        raise error
    if "malformed" in faults:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")
    file = VideoFile(new_id(), sample_path(video["aspect_ratio"], video["duration"]), secrets.token_urlsafe(16), faults)
    state.files[file.file_id] = file
    item = Interaction(
        id="v1_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B"), model=model,
        created=time.monotonic(), created_iso=_now_iso(),
        delay=faults.value("delay", state.settings.operation_delay), faults=faults, video=file,
        duration=video["duration"], aspect_ratio=video["aspect_ratio"], resolution=video["resolution"],
        delivery=video["delivery"], user_content=found.content, input_tokens=max(1, len(prompt.split())),
        previous_interaction_id=body.get("previous_interaction_id"),
        extra={"background": bool(body.get("background"))},
    )
    state.interactions[item.id] = item
    if not body.get("background"):
        # Blocking mode: the answer comes when the interaction is done.
        remaining = item.delay - (time.monotonic() - item.created)
        if remaining > 0:
            await asyncio.sleep(remaining)
    return web.json_response(interaction_body(item, request))


def _find(request: web.Request) -> Interaction:
    state = request.app[EMULATOR_STATE]
    require_api_key(request, state)
    item = state.interactions.get(request.match_info["interaction_id"])
    if item is None:
        raise not_found(f"Interaction {request.match_info['interaction_id']} not found.")
    return item


async def get_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    if request.query.get("stream") not in (None, "false", "False"):
        raise invalid_argument("Streaming a video interaction is not supported; poll it with stream=false.",
                               "stream")
    await apply_poll_faults(item)
    return web.json_response(interaction_body(item, request))


async def cancel_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    if not item.extra.get("background") or item.status() != "in_progress":
        raise GoogleError(400, NOT_CANCELLABLE, "FAILED_PRECONDITION")
    item.cancelled = True
    item.updated_iso = _now_iso()
    return web.json_response(interaction_body(item, request))


async def delete_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    request.app[EMULATOR_STATE].interactions.pop(item.id, None)
    return web.json_response({})


def add_routes(app: web.Application) -> None:
    # google-genai 3.x sends api_version v1 by default, Google's docs v1beta: both are served.
    for version in ("v1beta", "v1"):
        app.router.add_post(f"/{version}/interactions", create_interaction)
        app.router.add_get(f"/{version}/interactions/{{interaction_id}}", get_interaction)
        app.router.add_post(f"/{version}/interactions/{{interaction_id}}/cancel", cancel_interaction)
        app.router.add_delete(f"/{version}/interactions/{{interaction_id}}", delete_interaction)

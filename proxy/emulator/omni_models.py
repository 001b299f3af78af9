"""Gemini Omni models and the validation of a CreateModelInteraction body, as Google checks it.

Field names and enums: google-genai 3.6 ``_gaos/types/interactions/`` (createmodelinteraction.py,
generationconfig.py, videoconfig.py, videoresponseformat.py, *content.py), the Python form of
ai.google.dev/static/api/interactions.openapi.json.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from .errors import GoogleError, invalid_argument, model_not_found, not_found, unknown_field
from .state import EmulatorState


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
#: an Omni id a catalog names that the table above does not know: Omni 1.2's limits
OMNI_DEFAULT = OMNI_MODELS["gemini-omni-1.2-flash"]
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


def validate(body: Any, state: EmulatorState, owner: str | None = None) -> tuple[str, OmniModel, _Input, dict[str, Any]]:
    """The model, its limits, the input and the video format; ``owner`` (the caller's key) must own a previous interaction."""
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
    retired = state.catalog.retired_on(model, "gemini")
    if retired is not None:
        raise GoogleError(404, retired.gemini_message(), "NOT_FOUND")
    info = state.catalog.gemini_api_model(model)
    spec = OMNI_MODELS.get(model) or OMNI_DEFAULT if info is not None and info.kind == "omni" else None
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
        if earlier is None or earlier.owner != owner:  # another project's interaction is not found either
            raise not_found(f"Interaction {previous} not found.")
        if earlier.status() != "completed":
            raise GoogleError(400, f"Interaction {previous} is {earlier.status()}; only a completed interaction "
                                   "can be continued.", "FAILED_PRECONDITION")
    if body.get("background") is not None and not isinstance(body["background"], bool):
        raise invalid_argument("Invalid value at 'background' (TYPE_BOOL).", "background")
    return model, spec, found, video

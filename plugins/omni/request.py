"""The client's Omni request (video_config, message parts, an earlier video to edit) -> an interaction body.

The body follows CreateModelInteraction (ai.google.dev/static/api/interactions.openapi.json; google-genai
3.6 ``_gaos/types/interactions/createmodelinteraction.py``): ``model``, ``input`` (a list of contents:
``{"type": "text", "text"}``, ``{"type": "image"|"video", "data", "mime_type"}`` or ``{"type", "uri"}``),
``response_modalities: ["video"]``, ``background: true``, ``response_format`` (VideoResponseFormat:
``{"type": "video", "aspect_ratio", "duration": "8s", "resolution"}``), ``generation_config`` (``seed``,
``video_config.task``), ``system_instruction``; submit adds ``previous_interaction_id`` for an edit.
"""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plugins.omni import limits as omni_limits
from proxy.hookspecs import (
    ChatCompletionRequest,
    invalid,
    parse_data_uri,
    refuse_unknown_fields,
    validation_error,
    whole_seconds,
)

JOB_ID = re.compile(r"video_[0-9a-f]{24}")
MAX_INLINE_BYTES = 20 * 1024 * 1024


class OmniConfig(BaseModel):
    """`video_config` for Omni (the Veo names where they mean the same thing)."""

    model_config = ConfigDict(extra="forbid")

    duration_seconds: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    seed: int | None = Field(None, ge=0, le=2147483647)
    previous_video: str | None = Field(None, description="job id of an earlier Omni video to edit")
    number_of_videos: int | None = Field(None, ge=1, le=1)
    # Images that guide the video (as image_url parts do), each a data URI or {"url"} / {"image_url": {"url"}}:
    # the same name as Veo's, so a client (or genproxy's OpenRouter API) need not know which model it has.
    reference_images: list[Any] | None = None
    # google-genai 3.6 VideoConfig.task; unset, the model picks the task from the prompt and the inputs.
    task: Literal["text_to_video", "image_to_video", "reference_to_video", "edit", "extend", "upscale"] | None = None
    # Where genproxy posts video.completed / video.failed (its webhooks; never sent to Google).
    callback_url: str | None = None

    @field_validator("duration_seconds", mode="before")
    @classmethod
    def _duration(cls, value):
        return whole_seconds(value)  # clients send "8", 8 or 8.0; Google wants an integer

    @field_validator("resolution", "aspect_ratio", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("previous_video")
    @classmethod
    def _job_id(cls, value):
        if value is not None and not JOB_ID.fullmatch(value):
            raise ValueError("must be the job id of an earlier video (video_...)")
        return value


def parse_config(request: ChatCompletionRequest, defaults: dict) -> OmniConfig:
    raw = request.extra("video_config") or {}
    if not isinstance(raw, dict):
        raise invalid("video_config must be an object.", "video_config")
    merged = {**{k: v for k, v in defaults.items() if k in OmniConfig.model_fields}, **raw}
    try:
        return OmniConfig.model_validate(merged)
    except ValidationError as exc:
        raise validation_error(exc, "video_config.", OmniConfig) from None


def history_video(request: ChatCompletionRequest) -> str | None:
    """The job id of the latest video an assistant message of the conversation holds (videos[].job_id)."""
    for message in reversed(request.messages):
        if message.role != "assistant":
            continue
        for video in (message.model_extra or {}).get("videos") or []:
            job_id = video.get("job_id") if isinstance(video, dict) else None
            if isinstance(job_id, str) and JOB_ID.fullmatch(job_id):
                return job_id
    return None


def _url_of(part: dict, key: str, param: str) -> str:
    value = part.get(key)
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url:
        raise invalid(f"A {key} part needs {{\"{key}\": {{\"url\": ...}}}}.", param)
    return url


def _media(url: str, kind: str, allowed: tuple[str, ...], param: str) -> dict:
    match = parse_data_uri(url)
    if match is None:
        # Google fetches only its own files (Files API uris; a Veo video genproxy made resolves to one).
        if kind == "video" and url.startswith(("https://generativelanguage.googleapis.com/", "gs://")):
            return {"type": kind, "uri": url}
        if kind == "video" and url.startswith(("http://", "https://")) and "/v1beta/files/" in url:
            return {"type": kind, "uri": url}
        raise invalid(f"Send the {kind} as a base64 data URI (data:{allowed[0]};base64,...)"
                      f"{'' if kind == 'image' else ', a Gemini Files API uri'}.", param,
                      code=f"unsupported_{kind}_url")
    mime = match["mime"].lower()
    if mime not in allowed:
        raise invalid(f"Gemini Omni takes {kind}s of type {', '.join(allowed)}; got {mime}.", param)
    data = "".join(match["data"].split())  # whitespace out, ~30x faster than re.sub on megabytes
    try:
        size = len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        raise invalid(f"The {kind} data is not valid base64.", param) from None
    if size == 0:
        raise invalid(f"The {kind} is empty.", param)
    if size > MAX_INLINE_BYTES:
        raise invalid(f"The {kind} is {size} bytes; the limit for inline data is {MAX_INLINE_BYTES}.", param)
    return {"type": kind, "data": data, "mime_type": mime}


def input_of(request: ChatCompletionRequest, model: str) -> tuple[list[dict], str]:
    """The last user message as interaction contents, and the system/developer text (system_instruction)."""
    system = "\n".join(m.content for m in request.messages
                       if m.role in ("system", "developer") and isinstance(m.content, str) and m.content.strip())
    index, message = next(((i, m) for i, m in reversed(list(enumerate(request.messages))) if m.role == "user"),
                          (None, None))
    if message is None:
        raise invalid("Describe the video (or the edit) in a user message.", "messages")
    if isinstance(message.content, str):
        return [{"type": "text", "text": message.content}], system
    contents = []
    for part_index, part in enumerate(message.content or []):
        kind = part.get("type")
        param = f"messages[{index}].content[{part_index}]"
        if kind == "text":
            contents.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "image_url":
            contents.append(_media(_url_of(part, "image_url", param), "image", omni_limits.IMAGE_TYPES, param))
        elif kind == "video_url":
            contents.append(_media(_url_of(part, "video_url", param), "video", omni_limits.VIDEO_TYPES, param))
        elif kind in ("input_audio", "audio_url"):
            # The model card: "Audio: Not supported" as input.
            raise invalid(f"{model} does not take audio input.", param)
        else:
            raise invalid(f"Gemini Omni takes text, image_url and video_url content parts; got '{kind}'.", param)
    return contents, system


def build_body(request: ChatCompletionRequest, target: str, model: str, defaults: dict) -> tuple[dict, dict]:
    """Validate the request against the model's limits; the interaction body and the notes for later steps."""
    refuse_unknown_fields(request, {"video_config"})
    if request.modalities is not None and "video" not in request.modalities:
        raise invalid(f"{model} generates video: send modalities [\"video\", \"text\"].", "modalities")
    if (request.n or 1) != 1:
        raise invalid(f"{model} makes one video per request.", "n")
    config = parse_config(request, defaults)
    contents, system = input_of(request, model)
    for index, ref in enumerate(config.reference_images or []):
        param = f"video_config.reference_images[{index}]"
        part = ref if isinstance(ref, dict) and "image_url" in ref else {"image_url": ref}
        contents.append(_media(_url_of(part, "image_url", param), "image", omni_limits.IMAGE_TYPES, param))
    if not any(c["type"] == "text" and c["text"].strip() for c in contents) and not any(
            c["type"] == "image" for c in contents):
        raise invalid("Describe the video (or the edit) in the user message.", "messages")
    images = sum(1 for c in contents if c["type"] == "image")
    videos = sum(1 for c in contents if c["type"] == "video")
    omni_limits.check(omni_limits.limits_for(target), model=model, duration=config.duration_seconds,
                      aspect_ratio=config.aspect_ratio, resolution=config.resolution, images=images, videos=videos)
    previous, from_history = config.previous_video, False
    if previous is None and videos == 0:
        previous = history_video(request)
        from_history = previous is not None
    if previous is not None and videos:
        raise invalid("Edit either an earlier video (video_config.previous_video or the conversation) or a "
                      "video_url part, not both.", "video_config.previous_video")

    response_format: dict[str, Any] = {"type": "video"}
    if config.aspect_ratio:
        response_format["aspect_ratio"] = config.aspect_ratio
    if config.duration_seconds is not None:
        response_format["duration"] = f"{config.duration_seconds}s"
    if config.resolution:
        response_format["resolution"] = config.resolution
    # No response_modalities: deprecated in Google's Interactions schema (google-genai 3.6.1's
    # types/interactions/interaction.py marks it DEPRECATED); response_format's type "video" says it.
    body: dict[str, Any] = {"model": target, "input": contents, "response_format": response_format,
                            "background": True}
    generation: dict[str, Any] = {}
    if config.seed is not None:
        generation["seed"] = config.seed
    if config.task is not None:
        generation["video_config"] = {"task": config.task}
    if generation:
        body["generation_config"] = generation
    if system:
        body["system_instruction"] = system
    notes = {"job": {"duration": config.duration_seconds, "aspect_ratio": config.aspect_ratio,
                     "resolution": config.resolution, "images": images, "videos": videos},
             "previous_video": previous, "previous_from_history": from_history}
    return body, notes

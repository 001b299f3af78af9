"""Gemini Omni on the Interactions API: create, get, cancel and delete interactions.

Wire format from Google's definitions: the OpenAPI document ai.google.dev/static/api/interactions.openapi.json
and google-genai 3.6's generated client (``google/genai/_gaos/interactions.py`` and
``_gaos/types/interactions/*.py``):

- ``POST /{v1beta|v1}/interactions`` (CreateModelInteraction: ``model``, ``input`` as a string, one content,
  a list of contents or a list of steps, ``background``, ``previous_interaction_id``, ``response_modalities`` (deprecated),
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
durations, aspect ratios, resolutions, 10 input images and one input video (omni_models.py, with sources).
A bearer token is refused (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT, ../shared/docs/google-2026-11.md section 3):
the Interactions API takes API keys.

Fault markers (``[emulate:NAME]`` in any text of the input) work as for Veo: ``quota``, ``quota-once``,
``server-error``, ``unavailable`` and ``malformed`` at create; ``poll-error``, ``poll-error-always`` and
``slow-poll`` at get; ``delay=N``; ``cancelled`` ends the interaction ``cancelled``; ``operation-error`` ends the interaction ``failed`` (the model_output
step carries a google.rpc.Status error), ``safety``/``blocked`` end it ``failed`` with the safety reason
(ErrorInfo reason SAFETY), ``incomplete`` ends it ``incomplete``; ``cut-download`` cuts a ``uri`` download.
The emulator's convention for failures is its own (Google documents the statuses, not the failure body).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .auth import api_key, bearer_token, require_gemini_auth
from .errors import GoogleError, invalid_argument, not_found
from .faults import MALFORMED_BODY, Faults, submit_error
from .media import edit_variant, padded_size, sample_path, video_base64
from .omni_models import INLINE_LIMIT_BYTES, VIDEO_TOKENS_PER_SECOND, validate
from .operations import FILTERED_REASON, OPERATION_ERROR, apply_poll_faults, base_url, new_id
from .state import EMULATOR_STATE, EmulatorState, VideoFile

SCOPE_MESSAGE = "Request had insufficient authentication scopes."
NOT_CANCELLABLE = "Only background interactions that are in progress can be cancelled."


@dataclass
class Interaction:
    """One interaction the emulator answers for."""

    id: str
    model: str
    created: float  # time.time(): wall clock, so a restarted emulator finishes it on time
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
    owner: str | None = None  # the API key that created it: interactions belong to that key's project
    cancelled: bool = False
    polls: int = 0
    updated_iso: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def done(self) -> bool:
        return self.cancelled or time.time() - self.created >= self.delay

    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if not self.done():
            return "in_progress"
        if "cancelled" in self.faults:
            return "cancelled"
        if "operation-error" in self.faults or "safety" in self.faults or "blocked" in self.faults:
            return "failed"
        if "incomplete" in self.faults:
            return "incomplete"
        return "completed"


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def require_api_key(request: web.Request, state: EmulatorState) -> None:
    """The Interactions API takes API keys; an OAuth token is refused as generativelanguage refuses it."""
    if api_key(request) is None and bearer_token(request) is not None:
        raise GoogleError(403, SCOPE_MESSAGE, "PERMISSION_DENIED", [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
             "domain": "googleapis.com",
             "metadata": {"service": "generativelanguage.googleapis.com",
                          "method": "google.ai.generativelanguage.v1beta.InteractionService.CreateInteraction"}}])
    require_gemini_auth(request, state)


# ---------------------------------------------------------------- answers

def interaction_body(item: Interaction, request: web.Request) -> dict[str, Any]:
    status = item.status()
    # No object nor role: Google's Interaction has neither (google-genai 3.6.1 types/interactions/interaction.py,
    # generated from Google's schema; Dec-2025 captures still showed them, corpus #23).
    body: dict[str, Any] = {"id": item.id, "model": item.model, "status": status, "created": item.created_iso,
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
    body: Any = request.get("json")  # parsed JSON; validate() refuses anything but an object
    model, spec, found, video = validate(body, state, api_key(request))
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
    # An edit (of an earlier interaction's video or of an input video) answers a video in another colour, picked
    # by its prompt: it visibly differs from its source, as Google's edits do.
    edit = edit_variant(prompt) if body.get("previous_interaction_id") or found.videos else None
    file = VideoFile(new_id(), sample_path(video["aspect_ratio"], video["duration"], edit=edit),
                     secrets.token_urlsafe(16), faults)
    state.files[file.file_id] = file
    item = Interaction(
        id="v1_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B"), model=model,
        created=time.time(), created_iso=_now_iso(),
        delay=faults.value("delay", state.settings.operation_delay), faults=faults, video=file,
        duration=video["duration"], aspect_ratio=video["aspect_ratio"], resolution=video["resolution"],
        delivery=video["delivery"], user_content=found.content, input_tokens=max(1, len(prompt.split())),
        previous_interaction_id=body.get("previous_interaction_id"), owner=api_key(request),
        extra={"background": bool(body.get("background"))},
    )
    state.interactions[item.id] = item
    state.save_interaction(item)
    if not body.get("background"):
        # Blocking mode: the answer comes when the interaction is done.
        remaining = item.delay - (time.time() - item.created)
        if remaining > 0:
            await asyncio.sleep(remaining)
    return web.json_response(interaction_body(item, request))


def _find(request: web.Request) -> Interaction:
    state = request.app[EMULATOR_STATE]
    require_api_key(request, state)
    item = state.interactions.get(request.match_info["interaction_id"])
    if item is None or item.owner != api_key(request):
        raise not_found(f"Interaction {request.match_info['interaction_id']} not found.")
    return item


async def get_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    if request.query.get("stream") not in (None, "false", "False"):
        raise invalid_argument("Streaming a video interaction is not supported; poll it with stream=false.",
                               "stream")
    await apply_poll_faults(item)
    answer = interaction_body(item, request)
    request.app[EMULATOR_STATE].save_interaction(item)
    return web.json_response(answer)


async def cancel_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    if not item.extra.get("background") or item.status() != "in_progress":
        raise GoogleError(400, NOT_CANCELLABLE, "FAILED_PRECONDITION")
    item.cancelled = True
    item.updated_iso = _now_iso()
    request.app[EMULATOR_STATE].save_interaction(item)
    return web.json_response(interaction_body(item, request))


async def delete_interaction(request: web.Request) -> web.Response:
    item = _find(request)
    request.app[EMULATOR_STATE].forget_interaction(item.id)
    return web.json_response({})


def add_routes(app: web.Application) -> None:
    # google-genai 3.x sends api_version v1 by default, Google's docs v1beta: both are served.
    for version in ("v1beta", "v1"):
        app.router.add_post(f"/{version}/interactions", create_interaction)
        app.router.add_get(f"/{version}/interactions/{{interaction_id}}", get_interaction)
        app.router.add_post(f"/{version}/interactions/{{interaction_id}}/cancel", cancel_interaction)
        app.router.add_delete(f"/{version}/interactions/{{interaction_id}}", delete_interaction)

"""A polled interaction: still running, its video, or the error the client must see.

Statuses (google-genai 3.6 ``_gaos/types/interactions/interaction.py`` InteractionStatus): in_progress,
queued, requires_action, completed, failed, cancelled, incomplete, budget_exceeded. A finished interaction's
``steps[]`` hold ``user_input``, ``thought`` (``signature``) and ``model_output`` steps; a model_output step
has ``content[]`` (VideoContent: ``type: "video"``, ``mime_type``, ``data`` base64 or ``uri``) or an
``error`` (google.rpc.Status); the interaction may also list ``errors[]`` ({code, message}). ``usage``:
``total_input_tokens``, ``total_output_tokens``, ``total_thought_tokens``, ``total_tokens`` and
``output_tokens_by_modality`` ([{modality, tokens}]).
"""
from __future__ import annotations

from dataclasses import dataclass

from proxy.hookspecs import ApiError, PollStatus

RUNNING = ("in_progress", "queued")
RPC_CODES = {1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
             7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 13: "INTERNAL",
             14: "UNAVAILABLE", 16: "UNAUTHENTICATED"}
SAFETY_REASONS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "RAI"}


@dataclass
class Video:
    """The generated video: inline base64 data or a uri to download."""

    data: str | None
    uri: str | None
    mime_type: str


def poll_status(interaction) -> PollStatus:
    if not isinstance(interaction, dict) or not isinstance(interaction.get("status"), str):
        raise ApiError(502, "The upstream answered the interaction check with something that is not an interaction.",
                       code="upstream_bad_reply")
    if interaction["status"] in RUNNING:
        return PollStatus(done=False)
    return PollStatus(done=True, progress=100, result=interaction)


def _outputs(interaction: dict) -> list[dict]:
    return [s for s in interaction.get("steps") or [] if isinstance(s, dict) and s.get("type") == "model_output"]


def _error_of(interaction: dict) -> dict | None:
    for step in reversed(_outputs(interaction)):
        if isinstance(step.get("error"), dict):
            return step["error"]
    errors = interaction.get("errors") or []
    return errors[0] if errors and isinstance(errors[0], dict) else None


def _texts(interaction: dict) -> str:
    return " ".join(c.get("text", "") for s in _outputs(interaction) for c in s.get("content") or []
                    if isinstance(c, dict) and c.get("type") == "text").strip()


def _is_safety(error: dict) -> bool:
    reasons = {d.get("reason") for d in error.get("details") or [] if isinstance(d, dict)}
    return bool(reasons & SAFETY_REASONS) or str(error.get("code", "")).upper() in SAFETY_REASONS


def video_of(interaction: dict, job_id: str | None) -> Video:
    """The video of a finished interaction, or an ApiError carrying Google's message for its end state."""
    status = interaction.get("status")
    ref = f" Interaction: {interaction.get('id')}." + (f" Job id: {job_id}." if job_id else "")
    if status == "completed":
        for step in reversed(_outputs(interaction)):
            for content in step.get("content") or []:
                if isinstance(content, dict) and content.get("type") == "video" and (content.get("data")
                                                                                     or content.get("uri")):
                    return Video(data=content.get("data"), uri=content.get("uri"),
                                 mime_type=content.get("mime_type") or "video/mp4")
        said = _texts(interaction)
        raise ApiError(502, f"Gemini Omni finished without a video{f': {said}' if said else '.'}{ref}",
                       code="no_video")
    error = _error_of(interaction) or {}
    message = error.get("message") or _texts(interaction) or "no message"
    if status == "failed":
        if _is_safety(error):
            raise ApiError(400, f"Google's safety filter blocked the video: {message}{ref}", code="content_filter",
                           param="messages")
        code = error.get("code")
        name = RPC_CODES.get(code, str(code)) if code is not None else "no code"
        raise ApiError(502, f"Video generation failed upstream ({name}): {message}{ref}", code="generation_failed")
    if status == "cancelled":
        raise ApiError(409, f"The interaction was cancelled at Google before the video was made.{ref}",
                       code="generation_cancelled")
    if status == "incomplete":
        raise ApiError(502, f"Gemini Omni stopped before the video was complete: {message}{ref}",
                       code="generation_incomplete")
    raise ApiError(502, f"The interaction ended with status '{status}' and no video.{ref}",
                   code="generation_failed")


def usage_of(interaction: dict) -> dict | None:
    """Google's usage in OpenAI's shape; the video tokens under completion_tokens_details.video_tokens."""
    usage = interaction.get("usage")
    if not isinstance(usage, dict):
        return None
    prompt = int(usage.get("total_input_tokens") or 0)
    thoughts = int(usage.get("total_thought_tokens") or 0)
    completion = int(usage.get("total_output_tokens") or 0) + thoughts
    video = sum(int(m.get("tokens") or 0) for m in usage.get("output_tokens_by_modality") or []
                if isinstance(m, dict) and str(m.get("modality", "")).lower() == "video")
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(usage.get("total_tokens") or prompt + completion),
            "completion_tokens_details": {"video_tokens": video, "reasoning_tokens": thoughts}}

"""A finished Veo operation: its videos, or the error the client must see."""
from __future__ import annotations

from dataclasses import dataclass

from proxy.hookspecs import ApiError, PollStatus

# google.rpc.Code names, for messages a user can search for.
RPC_CODES = {1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
             7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 13: "INTERNAL",
             14: "UNAVAILABLE", 16: "UNAUTHENTICATED"}


@dataclass
class Sample:
    """One generated video: a URI to download (Gemini API, gcs) or inline base64 bytes (Vertex)."""

    uri: str | None = None
    base64_bytes: str | None = None
    mime_type: str = "video/mp4"


def poll_status(operation: dict) -> PollStatus:
    if not isinstance(operation, dict):
        raise ApiError(502, "The upstream answered the operation check with something that is not an operation.",
                       code="upstream_bad_reply")
    if not operation.get("done"):
        metadata = operation.get("metadata") or {}
        progress = metadata.get("progressPercent", metadata.get("progress_percent"))
        return PollStatus(done=False, progress=int(progress) if isinstance(progress, (int, float)) else None)
    return PollStatus(done=True, progress=100, result=operation)


def samples_of(operation: dict, job_id: str | None) -> list[Sample]:
    """The generated videos, or an ApiError for a failed or filtered operation."""
    error = operation.get("error")
    if error:
        code = error.get("code")
        name = RPC_CODES.get(code, str(code))
        raise ApiError(502, f"Video generation failed upstream ({name}): {error.get('message', 'no message')} "
                            f"Operation: {job_id}.", code="generation_failed")
    response = operation.get("response") or {}
    body = response.get("generateVideoResponse", response)
    samples: list[Sample] = []
    for generated in body.get("generatedSamples") or []:
        video = generated.get("video") or {}
        if video.get("uri"):
            samples.append(Sample(uri=video["uri"], mime_type=video.get("mimeType") or "video/mp4"))
        elif video.get("encodedVideo") or video.get("bytesBase64Encoded"):
            samples.append(Sample(base64_bytes=video.get("encodedVideo") or video["bytesBase64Encoded"]))
    for video in body.get("videos") or []:  # Vertex AI
        if video.get("bytesBase64Encoded"):
            samples.append(Sample(base64_bytes=video["bytesBase64Encoded"], mime_type=video.get("mimeType") or "video/mp4"))
        elif video.get("gcsUri"):
            samples.append(Sample(uri=video["gcsUri"], mime_type=video.get("mimeType") or "video/mp4"))
    filtered = body.get("raiMediaFilteredCount") or 0
    if not samples:
        if filtered:
            reasons = "; ".join(body.get("raiMediaFilteredReasons") or []) or "no reason given"
            raise ApiError(400, f"Google's safety filter blocked the video ({filtered} filtered): {reasons}",
                           code="content_filter", param="messages")
        raise ApiError(502, f"The operation finished without a video. Operation: {job_id}.", code="no_video")
    return samples

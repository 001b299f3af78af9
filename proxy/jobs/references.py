"""Let a request name an earlier genproxy video by its job id where a video URI is expected.

A job made on the Gemini API has Google's Files URI (what Veo extension takes there); a job made on
Vertex AI has only the bytes (Vertex answers bytesBase64Encoded), so it becomes a data: URI that the
video plugin sends as bytesBase64Encoded (google-genai ``_Video_to_vertex``).
"""
from __future__ import annotations

import asyncio
import base64

from proxy.http.errors import ApiError, invalid
from proxy.http.ids import is_job_id
from proxy.http.models import ChatCompletionRequest


async def resolve_job_references(request: ChatCompletionRequest, runner, client_key_id: str) -> None:
    """Replace job ids in video_url parts and video_config.video with the upstream file URI of that job
    (``runner``: the JobRunner, for its store and stored media)."""
    for index, message in enumerate(request.messages):
        if not isinstance(message.content, list):
            continue
        for part_index, part in enumerate(message.content):
            video = part.get("video_url") if part.get("type") == "video_url" else None
            url = video.get("url") if isinstance(video, dict) else video
            if isinstance(url, str) and is_job_id(url):
                uri = await _file_uri(runner, url, client_key_id, f"messages[{index}].content[{part_index}]")
                part["video_url"] = {"url": uri}
    config = request.extra("video_config")
    if isinstance(config, dict) and isinstance(config.get("video"), str) and is_job_id(config["video"]):
        config["video"] = await _file_uri(runner, config["video"], client_key_id, "video_config.video")


async def _file_uri(runner, job_id: str, client_key_id: str, param: str) -> str:
    job = await runner.store.get(job_id, client_key_id)
    if job is None:
        raise ApiError(404, f"No video with id '{job_id}' to extend.", param=param, code="video_not_found")
    if job.status != "completed":
        raise invalid(f"Video {job_id} is {job.status}; only a completed video can be extended.", param)
    videos = ((job.result or {}).get("message") or {}).get("videos") or []
    uri = next((v.get("file_uri") for v in videos if isinstance(v, dict) and v.get("file_uri")), None)
    if uri is not None:
        return uri
    stored = await runner.stored_media(job)  # 404 once expired
    if not stored:
        raise invalid(f"Video {job_id} has no video to extend.", param)
    data = await asyncio.to_thread(stored[0].path.read_bytes)
    return f"data:{stored[0].mime_type};base64,{base64.b64encode(data).decode()}"

"""Let a request name an earlier genproxy video by its job id where a video URI is expected."""
from __future__ import annotations

from proxy.errors import ApiError, invalid
from proxy.ids import is_job_id
from proxy.jobs.store import JobStore
from proxy.models import ChatCompletionRequest



async def resolve_job_references(request: ChatCompletionRequest, store: JobStore, client_key_id: str) -> None:
    """Replace job ids in video_url parts and video_config.video with the upstream file URI of that job."""
    for index, message in enumerate(request.messages):
        if not isinstance(message.content, list):
            continue
        for part_index, part in enumerate(message.content):
            video = part.get("video_url") if part.get("type") == "video_url" else None
            url = video.get("url") if isinstance(video, dict) else video
            if isinstance(url, str) and is_job_id(url):
                uri = await _file_uri(store, url, client_key_id, f"messages[{index}].content[{part_index}]")
                part["video_url"] = {"url": uri}
    config = request.extra("video_config")
    if isinstance(config, dict) and isinstance(config.get("video"), str) and is_job_id(config["video"]):
        config["video"] = await _file_uri(store, config["video"], client_key_id, "video_config.video")


async def _file_uri(store: JobStore, job_id: str, client_key_id: str, param: str) -> str:
    job = await store.get(job_id, client_key_id)
    if job is None:
        raise ApiError(404, f"No video with id '{job_id}' to extend.", param=param, code="video_not_found")
    if job.status != "completed":
        raise invalid(f"Video {job_id} is {job.status}; only a completed video can be extended.", param)
    videos = ((job.result or {}).get("message") or {}).get("videos") or []
    uri = next((v.get("file_uri") for v in videos if isinstance(v, dict) and v.get("file_uri")), None)
    if uri is None:
        raise invalid(f"Video {job_id} has no upstream file to extend (Vertex returns the bytes only).", param)
    return uri

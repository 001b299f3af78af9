"""Let a request name an earlier genproxy video by its job id where a video URI is expected.

A job made on the Gemini API has Google's Files URI (what Veo extension takes there); a job made on
Vertex AI has only the bytes (Vertex answers bytesBase64Encoded), so it becomes a data: URI that the
video plugin sends as bytesBase64Encoded (google-genai ``_Video_to_vertex``).
"""
from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import Iterator
from typing import Any

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
    if not runner.settings.allow_foreign_file_uris:
        await refuse_foreign_files(request, runner, client_key_id)


# -- other keys' files (issue 25.5) --
# A Files API URI or a gs:// object is readable by every caller of the Google project or bucket, and genproxy's
# answers show them (file_uri): a second client key that sends the first one's URI as its video_url would extend
# (and see) the first one's video. Such URIs are accepted only when a job of the same key made or used them.

FILES_URI = re.compile(r"^https?://[^/?#]+/v1(?:beta)?/(files/[A-Za-z0-9_-]{1,64})")
#: Google deletes generated files after 2 days: a job older than that cannot vouch for a file still there.
OWNED_WINDOW = 2 * 24 * 3600.0
#: Jobs read at most when looking for the owner of a URI (newest first).
MAX_JOBS_SCANNED = 2000


def google_file(value: str) -> str | None:
    """The comparable name of a Google file a string names ("files/abc", "gs://bucket/object"), or None."""
    if value.startswith("gs://"):
        return value.strip()
    if value.startswith(("http://", "https://")) and "/files/" in value[:300]:
        match = FILES_URI.match(value)
        return match.group(1) if match else None
    return None


#: Where Google is to write (an output bucket the client names), not a file read
OUTPUT_FIELDS = frozenset({"storage_uri", "storageUri", "callback_url"})


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith(("gs://", "http")):  # never walks the bytes of a data: URI
            yield value
    elif depth < 16 and isinstance(value, dict):
        for key, item in value.items():
            if key not in OUTPUT_FIELDS:
                yield from _strings(item, depth + 1)
    elif depth < 16 and isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def _named_files(value: Any) -> set[str]:
    return {name for text in _strings(value) if (name := google_file(text)) is not None}


async def refuse_foreign_files(request: ChatCompletionRequest, runner, client_key_id: str) -> None:
    """403 for a Google Files URI or gs:// URI in the request that no recent job of this key made or used."""
    wanted = _named_files([message.content for message in request.messages]) | _named_files(request.model_extra)
    if not wanted:
        return
    owned: set[str] = set()
    after, scanned, since = None, 0, time.time() - OWNED_WINDOW
    while scanned < MAX_JOBS_SCANNED:
        jobs, more = await runner.store.page(client_key_id, after=after, limit=100, order="desc")
        for job in jobs:
            owned |= _named_files(job.result) | _named_files(job.request)
        scanned += len(jobs)
        if not more or not jobs or jobs[-1].created_at < since:
            break
        after = jobs[-1].id
    for name in wanted:
        if name in owned or (name.startswith("gs://") and any(
                mine.startswith("gs://") and name.startswith(mine.rstrip("/") + "/") for mine in owned)):
            continue
        raise ApiError(403, f"'{name}' was not made by a video of this API key; name an earlier video by its "
                            "job id, or send the media itself (the allow_foreign_file_uris setting lifts this).",
                       code="foreign_file", type="permission_denied")


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

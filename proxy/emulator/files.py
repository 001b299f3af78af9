"""Video downloads: the Files API redirect and the key-less media URL it points to."""

from __future__ import annotations

from aiohttp import web

from .auth import require_gemini_auth
from .errors import GoogleError, invalid_argument, not_found
from .media import iter_video, padded_size
from .operations import base_url
from .state import EMULATOR_STATE, VideoFile
from .streaming import close_abruptly


def _file(request: web.Request, file_id: str) -> VideoFile:
    video = request.app[EMULATOR_STATE].files.get(file_id)
    if video is None:
        raise not_found(f"File {file_id} not found.")
    return video


def file_resource(request: web.Request, video: VideoFile) -> dict:
    size = padded_size(video.sample, request.app[EMULATOR_STATE].settings.video_padding_bytes)
    uri = f"{base_url(request)}/v1beta/files/{video.file_id}"
    return {"name": f"files/{video.file_id}", "mimeType": "video/mp4", "sizeBytes": str(size),
            "state": "ACTIVE", "uri": uri, "downloadUri": f"{uri}:download?alt=media", "source": "GENERATED"}


async def file_action(request: web.Request) -> web.StreamResponse:
    """GET /v1beta/files/{id} (metadata) and GET /v1beta/files/{id}:download?alt=media (302)."""
    file_id, _, action = request.match_info["file_action"].partition(":")
    require_gemini_auth(request, request.app[EMULATOR_STATE], "downloadFile" if action else "getFile")
    video = _file(request, file_id)
    if not action:
        return web.json_response(file_resource(request, video))
    if action != "download":
        raise GoogleError(404, f"Method not found: {action}.", "NOT_FOUND")
    if request.query.get("alt") != "media":
        raise invalid_argument("Download requires the query parameter alt=media.", "alt")
    location = f"{base_url(request)}/emulator/media/{video.file_id}.mp4?token={video.token}"
    raise web.HTTPFound(location)


async def media(request: web.Request) -> web.StreamResponse:
    """GET /emulator/media/{id}.mp4?token=... : the MP4 bytes, streamed, no API key needed."""
    video = _file(request, request.match_info["file_id"])
    if request.query.get("token") != video.token:
        raise GoogleError(403, "Access denied: the download token is missing or wrong.", "PERMISSION_DENIED")
    padding = request.app[EMULATOR_STATE].settings.video_padding_bytes
    total = padded_size(video.sample, padding)
    resp = web.StreamResponse(headers={"Content-Type": "video/mp4",
                                       "Content-Disposition": f'attachment; filename="{video.file_id}.mp4"'})
    resp.content_length = total
    await resp.prepare(request)
    if request.method == "HEAD":
        return resp
    state = request.app[EMULATOR_STATE]
    seen = state.downloads[video.file_id] = state.downloads.get(video.file_id, 0) + 1
    cut = total // 2 if "cut-download" in video.faults and seen <= video.faults.value("cut-download", seen) else None
    sent = 0
    async for chunk in iter_video(video.sample, padding):
        if cut is not None and sent + len(chunk) >= cut:
            await resp.write(chunk[: cut - sent])
            close_abruptly(request)
            return resp
        await resp.write(chunk)
        sent += len(chunk)
    await resp.write_eof()
    return resp


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1beta/files/{file_action}", file_action)
    app.router.add_get("/emulator/media/{file_id}.mp4", media)

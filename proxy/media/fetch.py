"""Bring a generated video into the media store: inline base64, or a download from the upstream.

Shared by every video plugin (Veo's operations and Omni's interactions answer the same two ways).
"""
from __future__ import annotations

import base64
from collections.abc import AsyncIterator

from proxy.http.errors import ApiError
from proxy.media.live import LiveMedia, start_live_download
from proxy.media.store import MediaTooLarge, StoredMedia

DOWNLOAD_ATTEMPTS = 3


async def save_generated_video(context, *, base64_data: str | None, uri: str | None, mime_type: str,
                               credential_id: str | None, label: str) -> StoredMedia | LiveMedia:
    """Store the video (``context``: the step's RequestContext). A download cut short is tried again up to
    DOWNLOAD_ATTEMPTS times, so a broken transfer is a 502 naming ``label`` (the job or interaction to fetch
    later), never a truncated success. With ``context.live_downloads`` (the job runner, which waits for it),
    a download with a Content-Length is a LiveMedia as soon as it starts (proxy/media/live.py): the answer is
    written while the video arrives."""
    limit = context.settings.max_download_bytes
    try:
        if base64_data is not None:
            return await context.media.save(_decode_chunks(base64_data), mime_type, limit)
        if uri is None:
            raise TypeError("save_generated_video needs base64_data or uri")
        if context.live_downloads:
            return await start_live_download(context, uri=uri, mime_type=mime_type, credential_id=credential_id,
                                             label=label, attempts=DOWNLOAD_ATTEMPTS)
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                async with context.upstream.download(uri, credential_id, limit) as download:
                    stored = await context.media.save(download.chunks, mime_type, limit)
                if download.content_length is not None and stored.size != download.content_length:
                    raise ApiError(502, "The video download ended early.", code="download_incomplete")
                return stored
            except ApiError as exc:
                if exc.code != "download_incomplete" or attempt == DOWNLOAD_ATTEMPTS:
                    exc.message += f" {label}."
                    raise
    except MediaTooLarge as exc:
        raise ApiError(502, f"The generated video is {exc}. {label}.", code="media_too_large") from None
    raise AssertionError("unreachable")


async def _decode_chunks(text: str, size: int = 4 * 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(text), size):
        yield base64.b64decode(text[start:start + size])

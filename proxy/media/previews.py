"""Still images of a finished video for GET /v1/videos/{id}/content?variant=thumbnail|spritesheet.

OpenAI's Videos API (openai-openapi ``VideoContentVariant``: video, thumbnail, spritesheet) serves a
preview image next to the MP4. genproxy decodes the stored MP4 with PyAV (FFmpeg's decoders: H.264 as
Veo makes it) and encodes JPEG with Pillow. Decoding is CPU work: it runs in a worker thread, at most
``PREVIEW_WORKERS`` at once, so the event loop keeps serving.
"""
from __future__ import annotations

import asyncio
import io
import math
from pathlib import Path

import av
from aiohttp import web
from PIL import Image

from proxy.http.errors import ApiError

PREVIEW_WORKERS = 2
SPRITE_FRAMES = 10          # frames in a spritesheet, evenly spaced over the video
SPRITE_COLUMNS = 5
SPRITE_TILE_WIDTH = 256     # pixels; the height follows the video's aspect ratio
THUMBNAIL_MAX_SIDE = 1280
JPEG_QUALITY = 85

def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _frames_at(path: Path, fractions: list[float]) -> list[Image.Image]:
    """One decoded frame at (or just after) each fraction of the video's duration."""
    images = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base
        assert time_base is not None  # PyAV types it optional; a video stream of a container always has one
        duration = (float(stream.duration * time_base) if stream.duration
                    else (container.duration or 0) / av.time_base)
        for fraction in fractions:
            target = duration * fraction
            container.seek(int(target / time_base), stream=stream, backward=True, any_frame=False)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is None or frame.time >= target - 1e-6:
                    break
            if chosen is None:
                raise ValueError("no frame could be decoded")
            images.append(chosen.to_image())
    return images


def thumbnail_jpeg(path: Path) -> bytes:
    """The first frame, no larger than THUMBNAIL_MAX_SIDE on its longer side."""
    image = _frames_at(path, [0.0])[0]
    image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    return _jpeg(image)


def spritesheet_jpeg(path: Path) -> bytes:
    """SPRITE_FRAMES frames evenly spaced over the video, in a grid SPRITE_COLUMNS wide."""
    frames = _frames_at(path, [i / SPRITE_FRAMES for i in range(SPRITE_FRAMES)])
    width = SPRITE_TILE_WIDTH
    height = max(1, round(width * frames[0].height / frames[0].width))
    rows = math.ceil(len(frames) / SPRITE_COLUMNS)
    sheet = Image.new("RGB", (width * SPRITE_COLUMNS, height * rows))
    for index, frame in enumerate(frames):
        sheet.paste(frame.resize((width, height)), ((index % SPRITE_COLUMNS) * width, (index // SPRITE_COLUMNS) * height))
    return _jpeg(sheet)


class Previews:
    """Makes preview JPEGs in worker threads, a bounded number at once (one per app: keys.PREVIEWS)."""

    VARIANTS = ("thumbnail", "spritesheet")

    def __init__(self, workers: int = PREVIEW_WORKERS):
        self._workers = asyncio.Semaphore(workers)

    async def jpeg(self, path: Path, variant: str, job_id: str) -> bytes:
        make = thumbnail_jpeg if variant == "thumbnail" else spritesheet_jpeg
        async with self._workers:
            try:
                return await asyncio.to_thread(make, path)
            except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
                raise ApiError(502, f"The {variant} of video {job_id} could not be made: the stored video cannot be "
                                    f"decoded ({exc.__class__.__name__}).", code="preview_failed") from None


#: Thumbnails and spritesheets of stored videos (an app key, set by create_app).
PREVIEWS: web.AppKey[Previews] = web.AppKey("previews")

"""Media the emulator returns: PNG images (made with zlib + struct) and sample MP4 videos.

The MP4s are flat H.264 (+ AAC) files made by ``scripts/make_sample_videos.sh`` and shipped in
``samples/``, one per orientation, resolution (1280x720, 1920x1080, 3840x2160 and the portrait
equivalents), length (3..10 s) and with or without a sound track, so ffprobe agrees with the
request; no ffmpeg at runtime. Padding appends a top-level ``free`` box after the file,
which players skip, so a padded video stays playable.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "samples"
CHUNK = 64 * 1024
_ZEROS = bytes(CHUNK)

IMAGE_ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = {"1K": 1, "2K": 2, "4K": 4}
SHORT_SIDE = 64


# ---------------------------------------------------------------- PNG

def image_dimensions(aspect_ratio: str, image_size: str = "1K") -> tuple[int, int]:
    """Exact ``w:h == aspect_ratio``; the short side is at least 64 px (x2 for 2K, x4 for 4K)."""
    w_part, h_part = (int(x) for x in aspect_ratio.split(":"))
    scale = -(-SHORT_SIDE // min(w_part, h_part)) * IMAGE_SIZES[image_size]
    return w_part * scale, h_part * scale


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int, height: int, seed: str = "") -> bytes:
    """A real RGB PNG: a gradient tinted by a hash of ``seed``."""
    tint = hashlib.sha256(seed.encode()).digest()
    reds = bytes((x * 255 // max(1, width - 1)) ^ tint[0] for x in range(width))
    blues = bytes([tint[2]]) * width
    row = bytearray(width * 3)
    row[0::3] = reds
    row[2::3] = blues
    rows = bytearray()
    for y in range(height):
        row[1::3] = bytes([(y * 255 // max(1, height - 1)) ^ tint[1]]) * width
        rows.append(0)  # filter type None
        rows += row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------- MP4

SAMPLE_RESOLUTIONS = ("720p", "1080p", "4k")
SAMPLE_SECONDS = range(3, 11)


def sample_path(aspect_ratio: str, duration: int, resolution: str = "720p", audio: bool = True) -> Path:
    """The sample matching the request (sizes and lengths outside the set are clamped)."""
    orientation = "portrait" if aspect_ratio == "9:16" else "landscape"
    resolution = resolution.lower() if resolution.lower() in SAMPLE_RESOLUTIONS else "720p"
    duration = min(SAMPLE_SECONDS[-1], max(SAMPLE_SECONDS[0], int(duration)))
    silent = "" if audio else "_silent"
    return SAMPLES_DIR / f"{orientation}_{resolution}_{duration}s{silent}.mp4"


@lru_cache(maxsize=32)
def sample_bytes(path: Path) -> bytes:
    """The sample file (a few KB), read once."""
    return path.read_bytes()


def padded_size(path: Path, padding: int) -> int:
    """Total size once padded to at least ``padding`` bytes (a free box is 8 bytes or more)."""
    size = len(sample_bytes(path))
    if padding <= size:
        return size
    return size + max(8, padding - size)


def _free_box_header(box_size: int) -> bytes:
    return struct.pack(">I", box_size) + b"free"


async def iter_video(path: Path, padding: int) -> AsyncIterator[bytes]:
    """The (padded) MP4 in chunks of at most 64 KiB, without building the padded file."""
    data = sample_bytes(path)
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]
    box = padded_size(path, padding) - len(data)
    if box:
        yield _free_box_header(box)
        left = box - 8
        while left > 0:
            n = min(left, CHUNK)
            yield _ZEROS[:n]
            left -= n


def padded_video_bytes(path: Path, padding: int) -> bytes:
    data = sample_bytes(path)
    box = padded_size(path, padding) - len(data)
    if not box:
        return data
    return data + _free_box_header(box) + bytes(box - 8)


def video_base64(path: Path, padding: int) -> str:
    return base64.b64encode(padded_video_bytes(path, padding)).decode("ascii")

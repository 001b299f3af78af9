"""Media the emulator returns: PNG images (made with zlib + struct) and sample MP4 videos.

The MP4s are flat H.264 (24 fps, + AAC with a 440 Hz tone) files made by ``scripts/make_sample_videos.sh`` and shipped in
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

# Pixel sizes per aspect ratio and imageSize, from Google's table (ai.google.dev/gemini-api/docs/image-generation,
# "Gemini 3.1 Flash Image" and "Gemini 3 Pro Image" resolution tables; the Pro table is the same at 1K/2K/4K,
# and 512 and the extreme ratios are 3.1 Flash Image's only). Google's table gives 792x168 for 21:9 at 512, not
# 21:9 nor half of 1K's 1584x672: the emulator uses 792x336 (half of 1K, as every other row of that column is).
IMAGE_PIXELS: dict[str, dict[str, tuple[int, int]]] = {
    "1:1": {"512": (512, 512), "1K": (1024, 1024), "2K": (2048, 2048), "4K": (4096, 4096)},
    "1:4": {"512": (256, 1024), "1K": (512, 2048), "2K": (1024, 4096), "4K": (2048, 8192)},
    "1:8": {"512": (192, 1536), "1K": (384, 3072), "2K": (768, 6144), "4K": (1536, 12288)},
    "2:3": {"512": (424, 632), "1K": (848, 1264), "2K": (1696, 2528), "4K": (3392, 5056)},
    "3:2": {"512": (632, 424), "1K": (1264, 848), "2K": (2528, 1696), "4K": (5056, 3392)},
    "3:4": {"512": (448, 600), "1K": (896, 1200), "2K": (1792, 2400), "4K": (3584, 4800)},
    "4:1": {"512": (1024, 256), "1K": (2048, 512), "2K": (4096, 1024), "4K": (8192, 2048)},
    "4:3": {"512": (600, 448), "1K": (1200, 896), "2K": (2400, 1792), "4K": (4800, 3584)},
    "4:5": {"512": (464, 576), "1K": (928, 1152), "2K": (1856, 2304), "4K": (3712, 4608)},
    "5:4": {"512": (576, 464), "1K": (1152, 928), "2K": (2304, 1856), "4K": (4608, 3712)},
    "8:1": {"512": (1536, 192), "1K": (3072, 384), "2K": (6144, 768), "4K": (12288, 1536)},
    "9:16": {"512": (384, 688), "1K": (768, 1376), "2K": (1536, 2752), "4K": (3072, 5504)},
    "16:9": {"512": (688, 384), "1K": (1376, 768), "2K": (2752, 1536), "4K": (5504, 3072)},
    "21:9": {"512": (792, 336), "1K": (1584, 672), "2K": (3168, 1344), "4K": (6336, 2688)},
}
STANDARD_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
EXTREME_RATIOS = ("1:4", "4:1", "1:8", "8:1")
IMAGE_ASPECT_RATIOS = STANDARD_RATIOS + EXTREME_RATIOS
IMAGE_SIZES = ("512", "1K", "2K", "4K")
# --small: every image shrunk by this factor (tests that do not look at the pixels).
SMALL_DIVISOR = 16


# ---------------------------------------------------------------- PNG

def image_dimensions(aspect_ratio: str, image_size: str = "1K", small: bool = False) -> tuple[int, int]:
    """The pixel size Google makes for ``aspect_ratio`` at ``image_size`` (IMAGE_PIXELS)."""
    w, h = IMAGE_PIXELS[aspect_ratio][image_size]
    if small:
        return max(1, w // SMALL_DIVISOR), max(1, h // SMALL_DIVISOR)
    return w, h


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=4)
def _base_picture(width: int, height: int):
    """Gradients with a little noise (so a PNG is as big as a photo's: ~1.8 bytes a pixel), made once per size."""
    from PIL import Image, ImageChops  # Pillow: a runtime dependency (previews), imported when first needed

    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 2)
    return (ImageChops.add(across, noise, 1, -128),
            ImageChops.add(down, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 1, -128),
            noise.transpose(Image.Transpose.FLIP_TOP_BOTTOM))


@lru_cache(maxsize=8)
def make_png(width: int, height: int, seed: str = "") -> bytes:
    """A real RGB PNG at the size asked, tinted by a hash of ``seed``: Pillow, zlib level 1 (fast; a 4K image is
    tens of MB, as Google's are megabytes). The same size and seed give the same bytes (cached)."""
    import io

    from PIL import Image

    tint = hashlib.sha256(seed.encode()).digest()
    # A monotonic tint per channel keeps the gradients smooth (an XOR would add edges, and megabytes).
    channels = [c.point(lambda v, t=t: t // 2 + v * (255 - t // 2) // 255)
                for c, t in zip(_base_picture(width, height), tint[:3], strict=False)]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "PNG", compress_level=1)
    return out.getvalue()


# ---------------------------------------------------------------- MP4

SAMPLE_RESOLUTIONS = ("720p", "1080p", "4k")
SAMPLE_SECONDS = range(3, 11)


EDIT_VARIANTS = 3


def edit_variant(prompt: str) -> int:
    """Which of the edit colours an edit's prompt gets (an edit visibly differs from its source)."""
    return hashlib.sha256(prompt.encode()).digest()[0] % EDIT_VARIANTS


def sample_path(aspect_ratio: str, duration: int, resolution: str = "720p", audio: bool = True,
                edit: int | None = None) -> Path:
    """The sample matching the request (sizes and lengths outside the set are clamped); ``edit`` picks one of
    the 720p samples in another colour (an Omni edit's answer)."""
    orientation = "portrait" if aspect_ratio == "9:16" else "landscape"
    if edit is not None:
        duration = min(SAMPLE_SECONDS[-1], max(SAMPLE_SECONDS[0], int(duration)))
        return SAMPLES_DIR / f"{orientation}_720p_edit{edit % EDIT_VARIANTS}_{duration}s.mp4"
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

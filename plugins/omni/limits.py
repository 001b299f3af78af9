"""What each Gemini Omni model accepts, checked before anything is sent to Google."""
from __future__ import annotations

from dataclasses import dataclass

from proxy.hookspecs import invalid

ASPECT_RATIOS = ("16:9", "9:16")
# google-genai 3.6 VideoResponseFormat.resolution: 360p, 720p, 1080p, 4k.
ALL_RESOLUTIONS = ("360p", "720p", "1080p", "4k")
# Images per prompt: 10 (Google Cloud model card of gemini-omni-flash-preview, "Maximum images per
# prompt: 10"); one input video (shared/docs/google-2026-11.md section 2).
MAX_IMAGES = 10
MAX_VIDEOS = 1
# Input images the model card lists (image/png, image/jpeg, image/webp, image/heic, image/heif).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif")
VIDEO_TYPES = ("video/mp4", "video/mpeg", "video/mpg", "video/mov", "video/quicktime", "video/webm", "video/wmv",
               "video/x-flv", "video/3gpp")


@dataclass(frozen=True)
class OmniLimits:
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    max_images: int = MAX_IMAGES
    max_videos: int = MAX_VIDEOS


LIMITS: dict[str, OmniLimits] = {
    # Preview (2026-06-30): 3-10 s, 16:9 and 9:16, 720p only (Google Cloud model card
    # docs.cloud.google.com/gemini-enterprise-agent-platform/models/gemini/omni-flash-preview; 3-10 s:
    # shared/docs/google-2026-11.md section 2).
    "gemini-omni-flash-preview": OmniLimits(durations=tuple(range(3, 11)), resolutions=("720p",)),
    # GA 2026-08-27: 4, 6, 8 or 10 s and more sizes (shared/docs/google-2026-11.md section 2; sizes from
    # google-genai's VideoResponseFormat and 3P venice.ai's model page: 360p, 720p, 1080p, 4k).
    "gemini-omni-1.1-flash": OmniLimits(durations=(4, 6, 8, 10), resolutions=ALL_RESOLUTIONS),
    # 1.2 (google-genai 3.x model list): 3-15 s, 360p to 4k (3P: civitai and runware model pages).
    "gemini-omni-1.2-flash": OmniLimits(durations=tuple(range(3, 16)), resolutions=ALL_RESOLUTIONS),
}


def limits_for(target: str) -> OmniLimits | None:
    return LIMITS.get(target.removeprefix("models/"))


def _durations(limits: OmniLimits) -> str:
    values = limits.durations
    if values == tuple(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]} to {values[-1]} seconds"
    return ", ".join(str(v) for v in values) + " seconds"


def check(limits: OmniLimits | None, *, model: str, duration: int | None, aspect_ratio: str | None,
          resolution: str | None, images: int, videos: int) -> None:
    """Raise a 400 naming the parameter the model does not accept."""
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        raise invalid(f"{model} makes {' and '.join(ASPECT_RATIOS)} videos; got aspect_ratio '{aspect_ratio}'.",
                      "video_config.aspect_ratio")
    if limits is None:
        return
    if duration is not None and duration not in limits.durations:
        raise invalid(f"{model} makes videos of {_durations(limits)}; got duration_seconds {duration}.",
                      "video_config.duration_seconds")
    if resolution is not None and resolution not in limits.resolutions:
        raise invalid(f"{model} makes {', '.join(limits.resolutions)} videos; got resolution '{resolution}'.",
                      "video_config.resolution")
    if images > limits.max_images:
        raise invalid(f"{model} takes at most {limits.max_images} input images; got {images}.", "messages")
    if videos > limits.max_videos:
        raise invalid(f"{model} takes at most one input video; got {videos}.", "messages")


def describe(limits: OmniLimits | None) -> dict:
    """The limits as plain JSON for GET /v1/models/{id}; every listed combination is valid (Omni has no
    cross-limits). ``edit``: a follow-up turn edits the last video."""
    if limits is None:  # an Omni id this table does not know: only the aspect ratio is checked
        return {"type": "omni", "aspect_ratios": list(ASPECT_RATIOS), "edit": True}
    return {"type": "omni", "durations": list(limits.durations), "resolutions": list(limits.resolutions),
            "aspect_ratios": list(limits.aspect_ratios), "max_images": limits.max_images,
            "max_videos": limits.max_videos, "edit": True}

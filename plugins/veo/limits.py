"""What each Veo model accepts (wire-formats.md section 7), checked before any money is spent."""
from __future__ import annotations

from dataclasses import dataclass

from proxy.hookspecs import invalid

ASPECT_RATIOS = ("16:9", "9:16")


@dataclass(frozen=True)
class VeoLimits:
    family: str
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    high_res_only_at: int | None        # 1080p/4k only at this duration
    high_res_16_9_only: bool            # 1080p only in landscape
    first_frame: bool
    last_frame: bool
    reference_images: int
    extension: bool
    max_videos: int


VEO_3_1 = VeoLimits("veo-3.1", (4, 6, 8), ("720p", "1080p", "4k"), 8, False, True, True, 3, True, 1)
VEO_3_0 = VeoLimits("veo-3.0", (4, 6, 8), ("720p", "1080p"), None, True, True, False, 0, False, 1)
VEO_2_0 = VeoLimits("veo-2.0", (5, 6, 7, 8), ("720p",), None, False, True, False, 0, False, 2)
# Vertex AI allows more samples per request than the Gemini API.
VERTEX_MAX_VIDEOS = 4

FAMILIES = {"veo-3.1": VEO_3_1, "veo-3.0": VEO_3_0, "veo-2.0": VEO_2_0}


def limits_for(target: str) -> VeoLimits | None:
    """The limits of an upstream model id, by family; None for a model this table does not know."""
    name = target.rsplit("/", 1)[-1]
    return next((limits for prefix, limits in FAMILIES.items() if name.startswith(prefix)), None)


def _allowed(values) -> str:
    return ", ".join(str(v) for v in values)


def check(limits: VeoLimits, *, model: str, duration: int | None, resolution: str | None, aspect_ratio: str | None,
          videos: int, has_image: bool, has_last_frame: bool, references: int, has_video: bool, vertex: bool) -> None:
    """Raise a 400 naming the parameter and the allowed values for the first limit the request breaks."""
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        raise invalid(f"{model} accepts aspect_ratio {_allowed(ASPECT_RATIOS)}; got '{aspect_ratio}'.",
                      "video_config.aspect_ratio")
    if duration is not None and duration not in limits.durations:
        raise invalid(f"{model} accepts duration_seconds {_allowed(limits.durations)}; got {duration}.",
                      "video_config.duration_seconds")
    if resolution is not None:
        if resolution not in limits.resolutions:
            raise invalid(f"{model} accepts resolution {_allowed(limits.resolutions)}; got '{resolution}'.",
                          "video_config.resolution")
        if resolution != "720p" and limits.high_res_only_at and duration not in (None, limits.high_res_only_at):
            raise invalid(f"{model} makes {resolution} videos only at duration_seconds {limits.high_res_only_at}; "
                          f"got {duration}. Use 720p or {limits.high_res_only_at} s.", "video_config.resolution")
        if resolution == "1080p" and limits.high_res_16_9_only and aspect_ratio == "9:16":
            raise invalid(f"{model} makes 1080p videos only in 16:9; use 720p for 9:16.", "video_config.resolution")
    max_videos = VERTEX_MAX_VIDEOS if vertex else limits.max_videos
    if not 1 <= videos <= max_videos:
        raise invalid(f"{model} makes 1 to {max_videos} videos per request; got {videos}.",
                      "video_config.number_of_videos")
    if has_last_frame and not limits.last_frame:
        raise invalid(f"{model} does not accept last_frame (only Veo 3.1 does).", "video_config.last_frame")
    if has_last_frame and not has_image:
        raise invalid("last_frame needs a first frame: send an image_url content part too.", "video_config.last_frame")
    if references:
        if not limits.reference_images:
            raise invalid(f"{model} does not accept reference_images (only Veo 3.1 does).", "video_config.reference_images")
        if references > limits.reference_images:
            raise invalid(f"{model} accepts up to {limits.reference_images} reference_images; got {references}.",
                          "video_config.reference_images")
        if duration not in (None, 8):
            raise invalid(f"{model} uses reference_images only with duration_seconds 8; got {duration}.",
                          "video_config.duration_seconds")
        if has_image:
            raise invalid("reference_images cannot be combined with a first-frame image.", "video_config.reference_images")
    if has_video:
        if not limits.extension:
            raise invalid(f"{model} cannot extend a video (only Veo 3.1 can).", "video_config.video")
        if resolution not in (None, "720p"):
            raise invalid(f"{model} extends videos only at 720p; got '{resolution}'.", "video_config.resolution")
        if duration not in (None, 8):
            raise invalid(f"{model} extends videos only with duration_seconds 8; got {duration}.",
                          "video_config.duration_seconds")

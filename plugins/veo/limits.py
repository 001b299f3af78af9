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


# Veo 3.1 and 3.1 Fast: 4/6/8 s; 720p, 1080p, 4k, with 1080p and 4k only at 8 s; first and last frame,
# up to 3 reference images, extension (720p, 8 s). Source: ai.google.dev/gemini-api/docs/video
# ("Veo model parameters") and google-2026-11.md section 4.
VEO_3_1 = VeoLimits("veo-3.1", (4, 6, 8), ("720p", "1080p", "4k"), 8, False, True, True, 3, True, 1)
# Veo 3.1 Lite: 4/6/8 s at 720p or 1080p (no 4k; 1080p at every duration: its price table has 1080p at
# 4 and 6 s), first and last frame, no reference images ("referenceImages: n/a" in the Veo parameter
# table; Vertex model card "Use reference images: Not supported", cited by celeste-python #402), no
# extension (ai.google.dev/gemini-api/docs/video lists extension for Veo 3.1 and 3.1 Fast only).
VEO_3_1_LITE = VeoLimits("veo-3.1-lite", (4, 6, 8), ("720p", "1080p"), None, False, True, True, 0, False, 1)
# Veo 3.0 and 3.0 Fast: 4/6/8 s, 720p or 1080p, 1080p only at 8 s (3P: ArcReel #1333) and only in 16:9;
# a first frame only, no references, no extension. Source: ai.google.dev/gemini-api/docs/video.
VEO_3_0 = VeoLimits("veo-3.0", (4, 6, 8), ("720p", "1080p"), 8, True, True, False, 0, False, 1)
# Vertex AI allows more samples per request than the Gemini API
# (docs.cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation: sampleCount 1-4).
VERTEX_MAX_VIDEOS = 4

#: Upstream model id -> its limits. Gemini API ids and Vertex AI ids of the same model share limits.
MODELS = {
    "veo-3.1-generate-preview": VEO_3_1,
    "veo-3.1-fast-generate-preview": VEO_3_1,
    "veo-3.1-generate-001": VEO_3_1,
    "veo-3.1-fast-generate-001": VEO_3_1,
    "veo-3.1-lite-generate-preview": VEO_3_1_LITE,
    "veo-3.1-lite-generate-001": VEO_3_1_LITE,
    "veo-3.0-generate-001": VEO_3_0,
    "veo-3.0-fast-generate-001": VEO_3_0,
}
# An id this table does not know yet (Google ships new ones every few months) is checked by its family.
FAMILIES = (("veo-3.1-lite", VEO_3_1_LITE), ("veo-3.1", VEO_3_1), ("veo-3.0", VEO_3_0))


def limits_for(target: str) -> VeoLimits | None:
    """The limits of an upstream model id; by family for an id the table does not list; None if unknown."""
    name = target.rsplit("/", 1)[-1]
    if name in MODELS:
        return MODELS[name]
    return next((limits for prefix, limits in FAMILIES if name.startswith(prefix)), None)


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
        if resolution != "720p" and limits.high_res_16_9_only and aspect_ratio == "9:16":
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
            raise invalid(f"{model} does not accept reference_images (only Veo 3.1 and Veo 3.1 Fast do).",
                          "video_config.reference_images")
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
            raise invalid(f"{model} cannot extend a video (only Veo 3.1 and Veo 3.1 Fast can).", "video_config.video")
        if resolution not in (None, "720p"):
            raise invalid(f"{model} extends videos only at 720p; got '{resolution}'.", "video_config.resolution")
        if duration not in (None, 8):
            raise invalid(f"{model} extends videos only with duration_seconds 8; got {duration}.",
                          "video_config.duration_seconds")


def describe(limits: VeoLimits, *, model: str, vertex: bool) -> dict:
    """The limits as plain JSON for GET /v1/models/{id} (the console offers only what ``check`` accepts).

    The valid (duration, resolution, aspect ratio) combinations and the refused ones, each with the message
    ``check`` answers, are found by asking ``check`` itself, so the two cannot drift apart.
    """
    combinations, refused = [], []
    for duration in limits.durations:
        for resolution in limits.resolutions:
            for ratio in ASPECT_RATIOS:
                combo = {"duration_seconds": duration, "resolution": resolution, "aspect_ratio": ratio}
                try:
                    check(limits, model=model, duration=duration, resolution=resolution, aspect_ratio=ratio, videos=1,
                          has_image=False, has_last_frame=False, references=0, has_video=False, vertex=vertex)
                    combinations.append(combo)
                except Exception as exc:
                    refused.append({**combo, "message": getattr(exc, "message", str(exc))})
    reference_durations = []
    if limits.reference_images:
        for duration in limits.durations:
            try:
                check(limits, model=model, duration=duration, resolution=None, aspect_ratio=None, videos=1,
                      has_image=False, has_last_frame=False, references=1, has_video=False, vertex=vertex)
                reference_durations.append(duration)
            except Exception:
                pass
    return {"type": "video", "durations": list(limits.durations), "resolutions": list(limits.resolutions),
            "aspect_ratios": list(ASPECT_RATIOS), "combinations": combinations, "refused": refused,
            "first_frame": limits.first_frame, "last_frame": limits.last_frame,
            "reference_images": limits.reference_images, "reference_image_durations": reference_durations,
            "extend": limits.extension, "max_videos": VERTEX_MAX_VIDEOS if vertex else limits.max_videos}

"""Veo models, their limits (wire-formats.md section 7, facts file section 4) and request
validation (pure: the caller passes the file ids it knows).

Refusals use Google's wording where known: a field the Gemini API's Veo does not take is
"`X` isn't supported by this model." (seen for `inlineData` and `fileUri`, 3P: the r/Veo3
"Google Veo 3.1 API: Complete Guide" post); a key no API knows is "Invalid JSON payload
received. Unknown name ... Cannot find field."
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from .errors import GoogleError, invalid_argument, unknown_field


@dataclass(frozen=True)
class VeoModel:
    family: str  # "3.1", "3.1-lite", "3.0"
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    last_frame: bool
    reference_images: int
    extension: bool
    max_samples: int
    #: resolutions above 720p only at 8 s (Veo 3.1: ai.google.dev/gemini-api/docs/video "1080p and 4k
    #: only with 8 s"; Veo 3.0: 3P ArcReel #1333)
    hd_only_at_8: bool = True


_V31 = VeoModel("3.1", (4, 6, 8), ("720p", "1080p", "4k"), True, 3, True, 1)
_V30 = VeoModel("3.0", (4, 6, 8), ("720p", "1080p"), False, 0, False, 1)
# Veo 3.1 Lite: 720p or 1080p (no 4k), 4/6/8 s, 1080p at every length (priced at 4, 6 and 8 s:
# docs.krea.ai veo-31-lite), text or first frame (+ last frame), no reference images and no
# extension (docs.gmicloud.ai veo-3-1-lite-generate-001, developer.civitai.com veo3 recipe: "lite
# supports only text-to-video and single image-to-video").
_V31_LITE = VeoModel("3.1-lite", (4, 6, 8), ("720p", "1080p"), True, 0, False, 1, hd_only_at_8=False)

#: The limits of each Veo family a catalog names (proxy/emulator/catalogs/*.yaml: ``limits:``).
VEO_FAMILIES: dict[str, VeoModel] = {"3.1": _V31, "3.1-lite": _V31_LITE, "3.0": _V30}
VEO_MODELS: dict[str, VeoModel] = {
    "veo-3.1-generate-preview": _V31,
    "veo-3.1-fast-generate-preview": _V31,
    "veo-3.1-lite-generate-preview": _V31_LITE,
    "veo-3.0-generate-001": _V30,
    "veo-3.0-fast-generate-001": _V30,
}
VERTEX_VEO_MODELS: dict[str, VeoModel] = {
    **VEO_MODELS,
    "veo-3.1-generate-001": _V31,
    "veo-3.1-fast-generate-001": _V31,
    "veo-3.1-lite-generate-001": _V31_LITE,
}


def veo_spec(info: Any) -> VeoModel | None:
    """The limits of a catalog's live Veo model (a proxy.emulator.models.ModelInfo), or None."""
    if info is None or info.kind != "veo":
        return None
    return VEO_FAMILIES.get(info.limits or "") or VERTEX_VEO_MODELS.get(info.id) or _V31

ASPECT_RATIOS = ("16:9", "9:16")
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/webp")
INSTANCE_FIELDS = ("prompt", "image", "lastFrame", "referenceImages", "video")
GEMINI_PARAMETERS = (
    "aspectRatio", "resolution", "durationSeconds", "negativePrompt", "personGeneration",
    "sampleCount", "enhancePrompt",
)
#: Vertex AI only; the Gemini API refuses them (google-genai _GenerateVideosConfig_to_mldev raised
#: for them before 3.x dropped Gemini API generate_videos; facts file section 4).
VERTEX_ONLY_PARAMETERS = ("seed", "generateAudio", "storageUri", "fps", "compressionQuality", "resizeMode")
VERTEX_PARAMETERS = GEMINI_PARAMETERS + VERTEX_ONLY_PARAMETERS + ("addWatermark", "includeRaiReason")
VERTEX_MAX_SAMPLES = 4
#: A file of this (or any) emulator: .../v1beta/files/{id} or .../v1beta/files/{id}:download?alt=media
FILES_URI = re.compile(r"/v1beta/files/([a-z0-9]+)(?::download)?(?:\?.*)?$")


@dataclass
class VeoRequest:
    prompt: str
    aspect_ratio: str
    duration: int
    resolution: str
    sample_count: int
    storage_uri: str | None
    audio: bool = True  # Veo 3 makes sound; Vertex may turn it off (generateAudio: false)


def not_supported(name: str) -> GoogleError:
    return invalid_argument(
        f"`{name}` isn't supported by this model. Please remove it or refer to the Gemini API "
        "documentation for supported usage.",
        name,
    )


def _image(value: Any, where: str, vertex: bool) -> None:
    if not isinstance(value, dict):
        raise invalid_argument(f"Invalid value at '{where}': expected an object.", where)
    if "inlineData" in value or "inline_data" in value:
        raise not_supported("inlineData")
    for key in value:
        if key not in ("bytesBase64Encoded", "mimeType", "gcsUri"):
            raise unknown_field(key, where)
    if "gcsUri" in value:
        if not vertex:
            raise not_supported("gcsUri")
        if not str(value["gcsUri"]).startswith("gs://"):
            raise invalid_argument(f"{where}.gcsUri must start with gs://", f"{where}.gcsUri")
    else:
        data = value.get("bytesBase64Encoded")
        if not isinstance(data, str) or not data:
            raise invalid_argument(f"{where}.bytesBase64Encoded is required.", f"{where}.bytesBase64Encoded")
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument(
                f"Invalid value at '{where}.bytes_base64_encoded' (TYPE_BYTES), Base64 decoding failed",
                f"{where}.bytesBase64Encoded",
            ) from None
    mime = value.get("mimeType")
    if mime not in IMAGE_MIME_TYPES:
        raise invalid_argument(
            f"{where}.mimeType must be one of {', '.join(IMAGE_MIME_TYPES)}; got {mime!r}.",
            f"{where}.mimeType",
        )


def _int_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        raise invalid_argument(
            f"Invalid JSON payload received. Invalid value at 'parameters.{name}' (TYPE_INT32), "
            f'"{value}": {name} must be a JSON number, not a string.',
            f"parameters.{name}",
        )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise invalid_argument(
            f"Invalid JSON payload received. Invalid value at 'parameters.{name}' (TYPE_INT32), {value!r}",
            f"parameters.{name}",
        )
    return int(value)


def _video(value: Any, vertex: bool, files: Container[str]) -> None:
    """The video to extend: a Gemini Files URI of this emulator on the Gemini API; ``gcsUri`` or
    bytes on Vertex (google-genai _Video_to_mldev / _Video_to_vertex)."""
    where = "instances[0].video"
    if not isinstance(value, dict):
        raise invalid_argument(f"Invalid value at '{where}': expected an object.", where)
    if vertex:
        for key in value:
            if key not in ("gcsUri", "bytesBase64Encoded", "mimeType"):
                raise unknown_field(key, where)
        if "gcsUri" in value:
            if not str(value["gcsUri"]).startswith("gs://"):
                raise invalid_argument(f"{where}.gcsUri must start with gs://", f"{where}.gcsUri")
            return
        data = value.get("bytesBase64Encoded")
        if not isinstance(data, str) or not data or not value.get("mimeType"):
            raise invalid_argument(f"{where} needs gcsUri, or bytesBase64Encoded and mimeType.", where)
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument(
                f"Invalid value at '{where}.bytes_base64_encoded' (TYPE_BYTES), Base64 decoding failed",
                f"{where}.bytesBase64Encoded",
            ) from None
        return
    for key in value:
        if key in ("gcsUri", "bytesBase64Encoded", "inlineData", "fileUri"):
            raise not_supported(key)
        if key not in ("uri", "mimeType"):
            raise unknown_field(key, where)
    uri = value.get("uri")
    match = FILES_URI.search(uri) if isinstance(uri, str) else None
    if match is None or match.group(1) not in files:
        raise invalid_argument(
            f"{where}.uri must be the URI of a video generated by Veo (a Gemini Files API URI); "
            f"got {uri!r}.",
            f"{where}.uri",
        )


def validate(body: Any, model: str, spec: VeoModel, *, vertex: bool = False,
             files: Container[str] = ()) -> VeoRequest:
    """Check a predictLongRunning body against the model's limits, as Google does."""
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in ("instances", "parameters"):
            raise unknown_field(key, "")
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances:
        raise invalid_argument("instances must contain exactly one instance.", "instances")
    if len(instances) > 1:
        raise invalid_argument("Only one instance per request is supported.", "instances")
    inst = instances[0]
    if not isinstance(inst, dict):
        raise invalid_argument("instances[0] must be an object.", "instances[0]")
    for key in inst:
        if key not in INSTANCE_FIELDS:
            raise unknown_field(key, "instances[0]")
    params = body.get("parameters") or {}
    if not isinstance(params, dict):
        raise invalid_argument("parameters must be an object.", "parameters")
    allowed = VERTEX_PARAMETERS if vertex else GEMINI_PARAMETERS
    for key in params:
        if not vertex and key in VERTEX_ONLY_PARAMETERS:
            raise not_supported(key)
        if key not in allowed:
            raise unknown_field(key, "parameters")

    prompt = inst.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise invalid_argument("instances[0].prompt must be a string.", "instances[0].prompt")
    has_image = inst.get("image") is not None
    if not (prompt or "").strip() and not has_image:
        raise invalid_argument(
            "Either a prompt or an image must be provided in instances[0].", "instances[0].prompt"
        )
    if has_image:
        _image(inst["image"], "instances[0].image", vertex)
    if inst.get("lastFrame") is not None:
        if not spec.last_frame:
            raise not_supported("lastFrame")
        if not has_image:
            raise invalid_argument("lastFrame requires image (the first frame).", "instances[0].lastFrame")
        _image(inst["lastFrame"], "instances[0].lastFrame", vertex)
    refs = inst.get("referenceImages")
    if refs is not None:
        if not spec.reference_images:
            raise not_supported("referenceImages")
        if not isinstance(refs, list) or not refs or len(refs) > spec.reference_images:
            raise invalid_argument(
                f"referenceImages must hold 1 to {spec.reference_images} images.",
                "instances[0].referenceImages",
            )
        types = ("asset", "style") if vertex else ("asset",)
        for i, ref in enumerate(refs):
            where = f"instances[0].referenceImages[{i}]"
            # Google's REST samples write "asset"; google-genai sends the enum name "ASSET": both are taken.
            if not isinstance(ref, dict) or str(ref.get("referenceType", "asset")).lower() not in types:
                raise invalid_argument(
                    f"{where}.referenceType must be one of: {', '.join(types)}.", f"{where}.referenceType"
                )
            _image(ref.get("image"), f"{where}.image", vertex)
    video = inst.get("video")
    if video is not None:
        if not spec.extension:
            raise not_supported("video")
        _video(video, vertex, files)

    aspect = params.get("aspectRatio", "16:9")
    if aspect not in ASPECT_RATIOS:
        raise invalid_argument(
            f"Unsupported aspect ratio: {aspect}. Supported values are: 16:9, 9:16.",
            "parameters.aspectRatio",
        )
    duration = _int_param(params, "durationSeconds")
    if duration is None:
        duration = 8
    if duration not in spec.durations:
        raise invalid_argument(
            f"The value of durationSeconds is out of range: {duration}. Supported values for "
            f"{model}: {', '.join(map(str, spec.durations))}.",
            "parameters.durationSeconds",
        )
    resolution = params.get("resolution", "720p")
    if resolution not in spec.resolutions:
        raise invalid_argument(
            f"Unsupported resolution: {resolution}. Supported values for {model}: "
            f"{', '.join(spec.resolutions)}.",
            "parameters.resolution",
        )
    if spec.hd_only_at_8 and resolution != "720p" and duration != 8:
        raise invalid_argument(
            f"Resolution {resolution} is only supported with durationSeconds 8.",
            "parameters.durationSeconds",
        )
    if spec.family == "3.0" and resolution == "1080p" and aspect != "16:9":
        raise invalid_argument(
            "Resolution 1080p is only supported with aspectRatio 16:9.", "parameters.resolution"
        )
    if refs is not None and duration != 8:
        raise invalid_argument(
            "referenceImages require durationSeconds 8.", "parameters.durationSeconds"
        )
    if video is not None and (resolution != "720p" or duration != 8):
        raise invalid_argument(
            "Video extension requires resolution 720p and durationSeconds 8.", "parameters.resolution"
        )

    max_samples = VERTEX_MAX_SAMPLES if vertex else spec.max_samples
    samples = _int_param(params, "sampleCount")
    if samples is None:
        samples = 1
    if not 1 <= samples <= max_samples:
        raise invalid_argument(
            f"sampleCount is out of range: {samples}. Supported values for {model}: 1 to {max_samples}.",
            "parameters.sampleCount",
        )
    seed = _int_param(params, "seed")
    if seed is not None and not 0 <= seed <= 4294967295:
        raise invalid_argument("seed must be between 0 and 4294967295.", "parameters.seed")
    negative = params.get("negativePrompt")
    if negative is not None and not isinstance(negative, str):
        raise invalid_argument("negativePrompt must be a string.", "parameters.negativePrompt")

    _person_generation(params.get("personGeneration"), spec, vertex,
                       image_input=has_image or refs is not None)
    storage_uri = None
    audio = True
    if vertex:
        storage_uri = _vertex_parameters(params, spec)
        audio = params.get("generateAudio") is not False
    return VeoRequest(prompt or "", aspect, duration, resolution, samples, storage_uri, audio)


def _person_generation(value: Any, spec: VeoModel, vertex: bool, image_input: bool) -> None:
    if value is None:
        return
    if vertex:
        allowed: tuple[str, ...] = ("allow_adult", "dont_allow")
    elif image_input:
        allowed = ("allow_adult",)
    else:
        allowed = ("allow_all",)
    if value not in allowed:
        raise invalid_argument(
            f"personGeneration {value!r} is not supported for this request. "
            f"Supported values: {', '.join(allowed)}.",
            "parameters.personGeneration",
        )


def _vertex_parameters(params: dict[str, Any], spec: VeoModel) -> str | None:
    audio = params.get("generateAudio")  # optional: left out, Veo 3 makes sound (google-genai sends it only if set)
    if audio is not None and not isinstance(audio, bool):
        raise invalid_argument("generateAudio must be a boolean.", "parameters.generateAudio")
    fps = _int_param(params, "fps")
    if fps is not None and fps != 24:
        # Veo makes 24 FPS (cloud.google.com/vertex-ai/generative-ai/docs/models/veo/3-0-generate-001)
        raise invalid_argument(f"fps {fps} is not supported. Supported values: 24.", "parameters.fps")
    # Enum values in either case: Google's REST samples write "optimized"/"pad", google-genai the enum names.
    quality = params.get("compressionQuality")
    if quality is not None and str(quality).lower() not in ("optimized", "lossless"):
        raise invalid_argument(
            "compressionQuality must be optimized or lossless.", "parameters.compressionQuality"
        )
    resize = params.get("resizeMode")
    if resize is not None and str(resize).lower() not in ("pad", "crop"):
        raise invalid_argument("resizeMode must be pad or crop.", "parameters.resizeMode")
    storage = params.get("storageUri")
    if storage is not None and not (isinstance(storage, str) and storage.startswith("gs://")):
        raise invalid_argument("storageUri must be a gs:// URI.", "parameters.storageUri")
    return storage

"""The client's video request (video_config and message parts) and the Veo body made from it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from plugins.veo import limits as veo_limits
from plugins.veo.images import image_url_of, veo_image
from proxy.hookspecs import ChatCompletionRequest, invalid, refuse_unknown_fields, validation_error, whole_seconds

PERSON_GENERATION = ("allow_all", "allow_adult", "dont_allow")
# Veo takes at most 1,024 tokens of text ("Text input: 1,024 tokens", https://ai.google.dev/gemini-api/docs/video,
# model versions). Only Google counts tokens: genproxy refuses what no 1,024-token text can be, 32 bytes a token.
MAX_PROMPT_BYTES = 32 * 1024
# Parameters Vertex AI takes and the Gemini API refuses: google-genai's _GenerateVideosConfig_to_mldev raises
# "... parameter is not supported in Gemini API" for each (google-2026-11.md section 4).
VERTEX_ONLY = {"seed": "seed", "generate_audio": "generateAudio", "fps": "fps",
               "compression_quality": "compressionQuality", "resize_mode": "resizeMode"}


class VideoConfig(BaseModel):
    """`video_config` as clients send it (OpenRouter-style snake_case)."""

    model_config = ConfigDict(extra="forbid")

    duration_seconds: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    negative_prompt: str | None = None
    seed: int | None = Field(None, ge=0, le=4294967295)
    person_generation: Literal["allow_all", "allow_adult", "dont_allow"] | None = None
    number_of_videos: int | None = Field(None, ge=1)
    generate_audio: bool | None = None
    enhance_prompt: bool | None = None
    last_frame: Any = None
    reference_images: list[Any] | None = None
    video: str | None = Field(None, description="URI of an earlier Veo video to extend")
    fps: int | None = Field(None, ge=1, le=60)
    compression_quality: Literal["optimized", "lossless"] | None = None
    resize_mode: Literal["pad", "crop"] | None = None
    storage_uri: str | None = None
    # Where genproxy posts video.completed / video.failed (its webhooks; never sent to Google).
    callback_url: str | None = None

    @field_validator("duration_seconds", mode="before")
    @classmethod
    def _duration(cls, value):
        return whole_seconds(value)  # clients send "8", 8 or 8.0; Google wants an integer

    @field_validator("resolution", mode="before")
    @classmethod
    def _resolution(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("aspect_ratio", mode="before")
    @classmethod
    def _aspect(cls, value):
        return value.strip() if isinstance(value, str) else value


@dataclass
class VideoJob:
    """What later steps need to know about the request."""

    model: str
    duration: int | None
    aspect_ratio: str | None
    resolution: str | None
    videos: int
    inputs: list[str] = field(default_factory=list)


def parse_config(request: ChatCompletionRequest, defaults: dict) -> VideoConfig:
    raw = request.extra("video_config") or {}
    if not isinstance(raw, dict):
        raise invalid("video_config must be an object.", "video_config")
    merged = {**{k: v for k, v in defaults.items() if k in VideoConfig.model_fields}, **raw}
    try:
        return VideoConfig.model_validate(merged)
    except ValidationError as exc:
        raise validation_error(exc, "video_config.", VideoConfig) from None


def _user_parts(request: ChatCompletionRequest) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """Prompt text, and (URL, param) of each image and video, from the user messages (system text is folded in
    front)."""
    texts: list[str] = []
    images: list[tuple[str, str]] = []
    videos: list[tuple[str, str]] = []
    for index, message in enumerate(request.messages):
        if message.role in ("assistant", "tool", "function"):
            continue
        if isinstance(message.content, str):
            texts.append(message.content)
            continue
        for part_index, part in enumerate(message.content or []):
            kind = part.get("type")
            param = f"messages[{index}].content[{part_index}]"
            if kind == "text":
                texts.append(str(part.get("text", "")))
            elif kind == "image_url":
                images.append((image_url_of(part, param), param))
            elif kind == "video_url":
                url = (part.get("video_url") or {}).get("url") if isinstance(part.get("video_url"), dict) else part.get("video_url")
                if not isinstance(url, str) or not url:
                    raise invalid("A video_url part needs {\"video_url\": {\"url\": ...}}.", param)
                videos.append((url, param))
            else:
                raise invalid(f"Video requests accept text, image_url and video_url content parts; got '{kind}'.", param)
    return "\n".join(t for t in texts if t.strip()), images, videos


def build_body(request: ChatCompletionRequest, route_target: str, route_model: str, defaults: dict,
               vertex: bool) -> tuple[dict, VideoJob]:
    """Validate everything against the model's limits and build the predictLongRunning body."""
    refuse_unknown_fields(request, {"video_config"})
    if request.modalities is not None and "video" not in request.modalities:
        raise invalid(f"{route_model} generates video: send modalities [\"video\", \"text\"].", "modalities")
    config = parse_config(request, defaults)
    prompt, images, videos = _user_parts(request)
    if config.video:
        videos.append((config.video, "video_config.video"))
    if len(images) > 1:
        raise invalid("Send at most one image_url part (the first frame); use video_config.reference_images for more.",
                      images[1][1])
    if len(videos) > 1:
        raise invalid("Send at most one video to extend.", videos[1][1])
    if not prompt.strip() and not images:
        raise invalid("Describe the video in a user message, or send a first-frame image.", "messages")
    for text, param in ((prompt, "messages"), (config.negative_prompt or "", "video_config.negative_prompt")):
        if len(text.encode("utf-8", "surrogatepass")) > MAX_PROMPT_BYTES:
            raise invalid(f"The prompt is over {MAX_PROMPT_BYTES // 1024} KiB; Veo takes at most 1,024 tokens of "
                          "text.", param, code="prompt_too_long")
    count = config.number_of_videos or request.n or 1
    if config.number_of_videos and request.n and config.number_of_videos != request.n:
        raise invalid("n and video_config.number_of_videos disagree; send one of them.", "n")
    references = config.reference_images or []

    limits = veo_limits.limits_for(route_target)
    if limits is not None:
        veo_limits.check(limits, model=route_model, duration=config.duration_seconds, resolution=config.resolution,
                         aspect_ratio=config.aspect_ratio, videos=count, has_image=bool(images),
                         has_last_frame=config.last_frame is not None, references=len(references),
                         has_video=bool(videos), vertex=vertex)
    has_image_input = bool(images) or config.last_frame is not None or bool(references)
    if config.person_generation is not None:
        allowed = _person_generation_allowed(limits, has_image_input, vertex)
        if config.person_generation not in allowed:
            which = "with image inputs" if has_image_input else "for text-to-video"
            raise invalid(f"{route_model} accepts person_generation {', '.join(allowed)} {which}; "
                          f"got '{config.person_generation}'.", "video_config.person_generation")
    if config.storage_uri is not None:
        raise invalid("storage_uri is not supported: genproxy answers with the video itself (and keeps it for "
                      "GET /v1/videos/{id}/content); copy it to Cloud Storage from there.", "video_config.storage_uri")
    if not vertex:
        for name in VERTEX_ONLY:
            if getattr(config, name) is not None:
                extra = " (the Gemini API makes audio with Veo 3 by default)" if name == "generate_audio" else ""
                raise invalid(f"video_config.{name} is a Vertex AI parameter; the Gemini API refuses it{extra}. "
                              f"Use a vertex/ model (e.g. vertex/{_vertex_example(route_target)}) to set it.",
                              f"video_config.{name}", code="unsupported_parameter")

    instance: dict[str, Any] = {}
    if prompt.strip():
        instance["prompt"] = prompt
    if images:
        instance["image"] = veo_image(images[0][0], images[0][1], vertex)
    if config.last_frame is not None:
        instance["lastFrame"] = veo_image(image_url_of(config.last_frame, "video_config.last_frame"),
                                          "video_config.last_frame", vertex)
    if references:
        instance["referenceImages"] = [_reference(ref, i, vertex) for i, ref in enumerate(references)]
    if videos:
        instance["video"] = _video(videos[0][0], videos[0][1], vertex)

    parameters: dict[str, Any] = {}
    for key, value in (("aspectRatio", config.aspect_ratio), ("resolution", config.resolution),
                       ("durationSeconds", config.duration_seconds), ("negativePrompt", config.negative_prompt),
                       ("personGeneration", config.person_generation), ("seed", config.seed),
                       ("enhancePrompt", config.enhance_prompt), ("fps", config.fps)):
        if value is not None:
            parameters[key] = value
    for key, enum in (("compressionQuality", config.compression_quality), ("resizeMode", config.resize_mode)):
        if enum is not None:
            # Enums go as google-genai sends them: the enum name, upper case (types.VideoCompressionQuality
            # OPTIMIZED/LOSSLESS, ImageResizeMode PAD/CROP).
            parameters[key] = enum.upper()
    if count != 1:
        parameters["sampleCount"] = count
    if vertex and config.generate_audio is not None:
        # Only when the client asks, as google-genai sends it (GenerateVideosConfig.generate_audio): left out,
        # Veo 3 makes sound on Vertex as on the Gemini API.
        parameters["generateAudio"] = config.generate_audio
    inputs = [name for name, present in (("first frame", images), ("last frame", config.last_frame is not None),
                                         ("reference images", references), ("video", videos)) if present]
    job = VideoJob(model=route_model, duration=config.duration_seconds, aspect_ratio=config.aspect_ratio,
                   resolution=config.resolution, videos=count, inputs=inputs)
    return {"instances": [instance], "parameters": parameters}, job


def _vertex_example(target: str) -> str:
    """The Vertex id of a Gemini API Veo id, for error messages (veo-3.1-generate-preview -> veo-3.1-generate-001)."""
    return target.replace("-preview", "-001") if target.endswith("-preview") else target


def _person_generation_allowed(limits, has_image_input: bool, vertex: bool) -> tuple[str, ...]:
    """Google's rule: Veo 3 on the Gemini API takes allow_all for text and allow_adult for image inputs."""
    if vertex:
        return ("allow_adult", "dont_allow") if has_image_input else PERSON_GENERATION
    if limits is None or limits.family == "veo-2.0":
        return ("allow_adult", "dont_allow") if has_image_input else PERSON_GENERATION
    return ("allow_adult",) if has_image_input else ("allow_all",)


def _reference(ref: Any, index: int, vertex: bool) -> dict:
    param = f"video_config.reference_images[{index}]"
    kind = ref.get("reference_type", "asset") if isinstance(ref, dict) else "asset"
    allowed = ("asset", "style") if vertex else ("asset",)
    if kind not in allowed:
        raise invalid(f"reference_type must be one of {', '.join(allowed)}; got '{kind}'.", f"{param}.reference_type")
    # google-genai sends the enum name (types.VideoGenerationReferenceType ASSET/STYLE).
    return {"image": veo_image(image_url_of(ref, param), param, vertex), "referenceType": kind.upper()}


def _video(url: str, param: str, vertex: bool) -> dict:
    """The video to extend, as each API takes it (google-genai ``_Video_to_mldev`` / ``_Video_to_vertex``):
    the Gemini API takes only ``{"uri": <a Files URI of an earlier Veo result>}``; Vertex AI takes
    ``{"gcsUri"}`` or ``{"bytesBase64Encoded", "mimeType"}``."""
    if url.startswith("gs://"):
        if not vertex:
            raise invalid("gs:// videos work only on Vertex AI routes (vertex/...).", param)
        return {"gcsUri": url, "mimeType": "video/mp4"}
    if url.startswith("data:"):
        if not vertex:
            raise invalid("The Gemini API extends only videos it generated: name the video by its job id or the "
                          "file_uri of an earlier Veo result, not by its bytes.", param)
        header, _, data = url.partition(",")
        if ";base64" not in header or not data:
            raise invalid("A video data: URI must be base64 (data:video/mp4;base64,...).", param)
        return {"bytesBase64Encoded": data, "mimeType": header[5:].split(";")[0] or "video/mp4"}
    if url.startswith(("http://", "https://")):
        if vertex:
            raise invalid("Vertex AI extends a video given as gs:// or as bytes: name it by the job id of an earlier "
                          "genproxy video, a gs:// URI or a data:video/mp4;base64 URI.", param)
        return {"uri": url}
    raise invalid("Name the video to extend by the job id or file URI of an earlier Veo result.", param)

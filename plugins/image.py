"""The built-in 'image' modality plugin: Gemini image models (Nano Banana) behind OpenAI's APIs.

- Chat completions (OpenRouter convention): ``modalities: ["image", "text"]`` and
  ``image_config: {"aspect_ratio", "image_size"}``; the answer carries
  ``message.images = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}, "index": i}]``
  (streaming: ``delta.images``). Input images in the messages are sent along for editing.
- ``POST /v1/images/generations`` (OpenAI Images API), which runs the same translate / submit /
  respond steps through the core pipeline.

Decisions: ``image_size`` is accepted in any case ("2k" -> "2K"); an answer without any final
image is a 400 ``content_filter`` error naming Google's finish reason (streamed: the last chunk
says ``finish_reason: "content_filter"``); Images API ``response_format: "url"`` is a 400 (the
proxy keeps no files to link to) and ``n`` > 1 there makes n parallel upstream calls (Gemini image
models answer one image per call).
"""
from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from aiohttp import web

from plugins import gemini_chat, image_limits, image_openrouter
from proxy.hookspecs import (
    ApiError,
    ChatCompletionRequest,
    ModelFamily,
    UpstreamCall,
    complete,
    hookimpl,
    invalid,
    parse_request,
    read_json_body,
    unknown_parameter,
    write_json_body,
)

MODALITY = "image"
DEFAULT_MODEL = "gemini-3-pro-image"
MODALITIES = {"image": "IMAGE", "text": "TEXT"}
IMAGE_CONFIG_FIELDS = ("aspect_ratio", "image_size")
MAX_IMAGES = 4


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]


# ------------------------------------------------------------------ translate

def _image_config(request, route) -> dict:
    config = request.extra("image_config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise invalid("'image_config' must be an object with aspect_ratio and/or image_size.", "image_config")
    for key in config:
        if key not in IMAGE_CONFIG_FIELDS:
            raise invalid(f"Unknown parameter 'image_config.{key}'; known: {', '.join(IMAGE_CONFIG_FIELDS)}.",
                          f"image_config.{key}", code="unknown_parameter")
    limits = image_limits.limits_for(route.target)
    out: dict = {}
    ratio = config.get("aspect_ratio") or route.defaults.get("aspect_ratio")
    if ratio is not None:
        if ratio not in limits.aspect_ratios:
            raise invalid(f"'image_config.aspect_ratio' {ratio!r} is not supported by {route.model}; "
                          f"use one of {', '.join(limits.aspect_ratios)}.", "image_config.aspect_ratio")
        out["aspectRatio"] = ratio
    size = config.get("image_size") or route.defaults.get("image_size")
    if size is not None:
        normalized = image_limits.normalize_size(size)
        if normalized not in limits.sizes:
            raise invalid(f"'image_config.image_size' {size!r} is not supported by {route.model}; "
                          f"use one of {', '.join(limits.sizes)}.", "image_config.image_size")
        out["imageSize"] = normalized
    return out


def _modalities(request) -> list[str]:
    asked = request.modalities or ["image", "text"]
    unknown = [m for m in asked if m not in MODALITIES]
    if unknown:
        raise invalid(f"'modalities' {unknown[0]!r} is not supported by {request.model}; use \"image\" and/or \"text\".",
                      "modalities")
    return [MODALITIES[m] for m in ("text", "image") if m in asked]


@hookimpl
def genproxy_model_families() -> list[ModelFamily]:
    # Gemini image models: gemini-*-image* (gemini-3.1-flash-lite-image, GA 2026-06-30, changelog) and the
    # Nano Banana names google-genai 3.6.1 lists (gemini-nano-banana-2.1, nano-banana-pro-preview); at
    # `global` on Vertex AI like Gemini text (shared/docs/google-2026-12.md sections 2 and 3).
    return [ModelFamily("gemini-image", MODALITY, r"(gemini-[a-z0-9.\-]*-image(-[a-z0-9.\-]+)?|"
                        r"(gemini-)?nano-banana[a-z0-9.\-]*)", ("image", "text"), priority=10,
                        vertex_location="global", limits=image_limits.describe(image_limits.ANY),
                        source="ai.google.dev/gemini-api/docs/image-generation; google-genai 3.6.1 model list")]


@hookimpl
def genproxy_model_limits(route) -> dict | None:
    if route.modality != MODALITY:
        return None
    return image_limits.describe(image_limits.limits_for(route.target))


@hookimpl
def genproxy_translate(route, request, context):
    if route.modality != MODALITY:
        return None
    gemini_chat.check_fields(request, own={"image_config"})
    modalities = _modalities(request)
    generation: dict = {"responseModalities": modalities}
    image_config = _image_config(request, route)
    if image_config:
        generation["imageConfig"] = image_config
    body = gemini_chat.build_body(request, route, generation)
    return UpstreamCall(body=body, stream=context.stream, notes={"want_image": "IMAGE" in modalities})


# ------------------------------------------------------------------ submit / respond

@hookimpl
def genproxy_submit(route, call, context):
    if route.modality != MODALITY:
        return None
    return gemini_chat.send(route, call, context)


@hookimpl
def genproxy_respond(route, result, call, context):
    if route.modality != MODALITY:
        return None
    return _respond(result, call, context)


def _no_image_reason(result: dict) -> str:
    candidates = result.get("candidates") or [{}]
    reason = candidates[0].get("finishReason") or "unknown"
    text = gemini_chat.split_parts((candidates[0].get("content") or {}).get("parts") or [])["text"]
    message = f"The model returned no image (finishReason: {reason})"
    if candidates[0].get("finishMessage"):
        message += f": {candidates[0]['finishMessage']}"
    if text:
        message += f". It said: {text[:500]}"
    return message + "."


async def _respond(result, call, context):
    want_image = call.notes.get("want_image", False)
    if call.stream:
        def on_finish(seen: dict, reason: str) -> str:
            return "content_filter" if want_image and not seen["images"] and reason != "tool_calls" else reason

        return gemini_chat.deltas(result, on_finish=on_finish, memory=context.signatures)
    completions = gemini_chat.completions(result)
    if want_image:
        if not any(c.message.get("images") for c in completions):
            raise ApiError(400, _no_image_reason(result), code="content_filter")
        for completion in completions:
            if not completion.message.get("images"):
                completion.finish_reason = "content_filter"
    return await gemini_chat.remember_signatures(completions, context.signatures)


# ------------------------------------------------------------------ POST /v1/images/generations

#: Every field of openai-python 3.63's ImageGenerateParams (``openai/types/image_generate_params.py``) is
#: accepted; a field no SDK defines is a 400 ``unknown_parameter`` (issue 25.2). Read: prompt, model, n, size,
#: response_format. Ignored (nothing on Gemini to set; the image comes back as the model makes it): user,
#: safety_identifier, quality, style, moderation, complexity, output_compression, partial_images (streaming
#: only), frame_duration_ms (animations only). What genproxy cannot make is refused by IMAGES_API_UNSUPPORTED.
IMAGES_API_FIELDS = {"prompt", "model", "n", "size", "response_format", "user", "quality", "style", "moderation",
                     "safety_identifier", "complexity", "output_compression", "partial_images", "frame_duration_ms",
                     "background", "output_format", "stream", "svg", "frame_count"}
#: field -> (the values that ask for nothing genproxy cannot give, why another is refused): a 400
#: ``unsupported_parameter`` rather than a different image than asked for.
IMAGES_API_UNSUPPORTED: dict[str, tuple[tuple, str]] = {
    "stream": ((None, False), "streamed image generation is not supported; leave stream out"),
    "background": ((None, "auto", "opaque"), "Gemini image models make no transparent backgrounds"),
    "output_format": ((None, "png"), "genproxy hands out the image as Gemini makes it; leave output_format out"),
    "svg": ((None,), "SVG output is not supported"),
    "frame_count": ((None, 1), "animated images are not supported"),
}


def size_to_aspect_ratio(size: str) -> str | None:
    """'1536x1024' -> '3:2'; the nearest supported ratio within 5 %; 'auto' -> None."""
    if size == "auto":
        return None
    try:
        w, h = (int(x) for x in size.lower().split("x"))
        if w <= 0 or h <= 0:
            raise ValueError
    except ValueError:
        raise invalid(f"'size' {size!r} must be WIDTHxHEIGHT (e.g. 1024x1024, 1536x1024, 1024x1536) or auto.",
                      "size") from None
    target = math.log(w / h)
    best = min(image_limits.STANDARD_RATIOS, key=lambda r: abs(math.log(_ratio(r)) - target))
    if abs(math.log(_ratio(best)) - target) > math.log(1.05):
        raise invalid(f"'size' {size!r} has no matching aspect ratio; supported ratios: {', '.join(image_limits.STANDARD_RATIOS)} "
                      "(e.g. 1024x1024, 1536x1024, 1024x1536, 1792x1024, 1024x1792).", "size")
    return best


def _ratio(ratio: str) -> float:
    w, h = ratio.split(":")
    return int(w) / int(h)


def _images_request(data) -> tuple[ChatCompletionRequest, int]:
    """The chat request equivalent to an Images API body, and n."""
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.", code="invalid_json")
    for key in data:
        if key not in IMAGES_API_FIELDS:
            raise unknown_parameter(key, IMAGES_API_FIELDS)
        accepted, why = IMAGES_API_UNSUPPORTED.get(key, (None, ""))
        if accepted is not None and data[key] not in accepted:
            raise invalid(f"'{key}' {data[key]!r} is not supported: {why}.", key, code="unsupported_parameter")
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid("'prompt' is required.", "prompt", code="missing_required_parameter")
    fmt = data.get("response_format") or "b64_json"
    if fmt != "b64_json":
        raise invalid("'response_format' must be b64_json: this proxy does not host images to link to.",
                      "response_format")
    n = data.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise invalid(f"'n' must be an integer between 1 and {MAX_IMAGES}.", "n")
    chat: dict = {"model": data.get("model") or DEFAULT_MODEL, "messages": [{"role": "user", "content": prompt}],
                  "modalities": ["image", "text"]}
    size = data.get("size")
    if size is not None:
        if not isinstance(size, str):
            raise invalid("'size' must be a string such as 1024x1024.", "size")
        ratio = size_to_aspect_ratio(size)
        if ratio:
            chat["image_config"] = {"aspect_ratio": ratio}
    return parse_request(ChatCompletionRequest, chat), n


async def images_generations(request: web.Request) -> web.StreamResponse:
    body, n = _images_request(await read_json_body(request))
    replies = await asyncio.gather(*(complete(request, body, MODALITY) for _ in range(n)))
    data: list[dict] = []
    usage: dict[str, Any] = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    for reply in replies:
        for completion in reply:
            for image in completion.message.get("images") or []:
                data.append({"b64_json": image["image_url"]["url"].partition(";base64,")[2]})
            for key, source in (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens"),
                                ("total_tokens", "total_tokens")):
                usage[key] += (completion.usage or {}).get(source, 0)
    # OpenAI's ImageGenUsage requires input_tokens_details; the Images API takes a prompt only: all text.
    usage["input_tokens_details"] = {"text_tokens": usage["input_tokens"], "image_tokens": 0}
    return await write_json_body(request, {"created": int(time.time()), "data": data, "usage": usage})


IMAGES_REQUEST_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["prompt"],
    "properties": {
        "prompt": {"type": "string", "minLength": 1}, "model": {"type": "string", "default": DEFAULT_MODEL},
        "n": {"type": "integer", "minimum": 1, "maximum": MAX_IMAGES, "default": 1},
        "size": {"type": "string", "description": "WIDTHxHEIGHT (mapped to the nearest aspect ratio) or auto"},
        "response_format": {"type": "string", "enum": ["b64_json"]},
        "user": {"type": "string"}, "quality": {"type": "string"}, "style": {"type": "string"},
        "moderation": {"type": "string"}, "safety_identifier": {"type": "string"}, "complexity": {"type": "string"},
        "output_compression": {"type": "integer"}, "partial_images": {"type": "integer"},
        "frame_duration_ms": {"type": "integer"}, "background": {"type": "string", "enum": ["auto", "opaque"]},
        "output_format": {"type": "string", "enum": ["png"]}, "stream": {"type": "boolean", "enum": [False]},
        "svg": {"type": "null"}, "frame_count": {"type": "integer", "enum": [1]}}}
IMAGE_CONFIG_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"aspect_ratio": {"type": "string", "enum": list(image_limits.ANY.aspect_ratios)},
                   "image_size": {"type": "string", "enum": list(image_limits.ANY.sizes) + list(image_limits.SIZE_ALIASES)}}}


@hookimpl
def genproxy_openapi() -> dict:
    return {"schemas": {"ImagesGenerationRequest": IMAGES_REQUEST_SCHEMA, "ImageConfig": IMAGE_CONFIG_SCHEMA},
            "chat_fields": {"image_config": {"$ref": "#/components/schemas/ImageConfig"}},
            "paths": {"/v1/images/generations": {"post": {
                "operationId": "createImage", "summary": "Generate images with a Gemini image model",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ImagesGenerationRequest"}}}},
                "responses": {"200": {"description": "The images, base64", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["created", "data"]}}}},
                              "default": {"$ref": "#/components/responses/Error"}}}},
                      "/api/v1/images": {"post": {
                "operationId": "openrouterCreateImage", "summary": "OpenRouter's image API on Gemini image models",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["model", "prompt"],
                    "properties": {name: {} for name in sorted(image_openrouter.KNOWN)}}}}},
                "responses": {"200": {"description": "{created, data: [{b64_json, media_type}], usage}",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "required": ["created", "data"]}}}},
                              "default": {"$ref": "#/components/responses/Error"}}}}}}


async def openrouter_images(request: web.Request) -> web.StreamResponse:
    return await image_openrouter.openrouter_images(request, size_to_aspect_ratio)


@hookimpl
def genproxy_web_routes():
    return [("POST", "/v1/images/generations", images_generations),
            ("POST", "/api/v1/images", openrouter_images)]

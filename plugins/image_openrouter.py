"""``POST /api/v1/images``: OpenRouter's image API (the `openrouter` SDK's ``images.generate``) on Gemini image models.

Request and answer as the `openrouter` 1.3.84 SDK defines them (components/imagegenerationrequest.py,
imagegenerationresponse.py): ``{model, prompt, aspect_ratio?, resolution?, size?, n?, seed?, output_format?,
input_references?: [{type: "image_url", image_url: {url}}], ...}`` answered with
``{created, data: [{b64_json, media_type}], usage}``. Fields OpenRouter routes by (``provider``, ``session_id``,
``trace``, ``user``) mean nothing here and are ignored; options Gemini has no equivalent for are a 400
naming them, never silently dropped.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from plugins import image_limits
from proxy.hookspecs import ChatCompletionRequest, complete, invalid, parse_request, read_json_body, write_json_body

MODALITY = "image"
MAX_IMAGES = 4
KNOWN = {"model", "prompt", "aspect_ratio", "resolution", "size", "n", "seed", "output_format", "input_references",
         "quality", "background", "output_compression", "stream", "provider", "session_id", "trace", "user"}
IGNORED = {"provider", "session_id", "trace", "user"}  # OpenRouter's routing and tracing: nothing to route here
UNSUPPORTED = {"quality": "Gemini image models have no quality setting; use resolution (512, 1K, 2K, 4K)",
               "background": "Gemini image models cannot make transparent backgrounds",
               "output_compression": "Gemini image models answer PNG only",
               "stream": "streamed image generation is not offered; leave stream out"}


def _input_images(references: Any) -> list[dict]:
    if not isinstance(references, list):
        raise invalid("'input_references' must be a list of {type: image_url, image_url: {url}}.", "input_references")
    parts = []
    for i, item in enumerate(references):
        url = (item.get("image_url") or {}).get("url") if isinstance(item, dict) else None
        if not isinstance(url, str) or not url:
            raise invalid(f"input_references[{i}] needs image_url.url.", f"input_references[{i}]")
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def openrouter_image_request(data: Any, size_to_aspect_ratio) -> tuple[ChatCompletionRequest, int]:
    """The chat request equivalent to an OpenRouter image request, and n."""
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.", code="invalid_json")
    for key in data:
        if key not in KNOWN:
            raise invalid(f"Unknown parameter '{key}'. Known: {', '.join(sorted(KNOWN))}.", key,
                          code="unknown_parameter")
        if key in UNSUPPORTED and data[key] not in (None, False, "auto"):
            raise invalid(f"'{key}': {UNSUPPORTED[key]}.", key, code="unsupported_parameter")
    model, prompt = data.get("model"), data.get("prompt")
    if not isinstance(model, str) or not model:
        raise invalid("'model' is required.", "model", code="missing_required_parameter")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid("'prompt' is required.", "prompt", code="missing_required_parameter")
    if data.get("output_format") not in (None, "png"):
        raise invalid("'output_format': Gemini image models answer PNG only.", "output_format")
    n = data.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise invalid(f"'n' must be an integer between 1 and {MAX_IMAGES}.", "n")
    config: dict[str, Any] = {}
    if data.get("aspect_ratio") is not None:
        config["aspect_ratio"] = data["aspect_ratio"]
    elif isinstance(data.get("size"), str):
        ratio = size_to_aspect_ratio(data["size"])
        if ratio:
            config["aspect_ratio"] = ratio
    if data.get("resolution") is not None:
        resolution = image_limits.normalize_size(str(data["resolution"]))
        if resolution not in image_limits.ANY.sizes:
            raise invalid(f"'resolution' {data['resolution']!r} is not one Gemini makes: "
                          f"{', '.join(image_limits.ANY.sizes)}.", "resolution")
        config["image_size"] = resolution
    content: list[dict] = [{"type": "text", "text": prompt}, *_input_images(data.get("input_references") or [])]
    chat: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": content}],
                            "modalities": ["image", "text"]}
    if config:
        chat["image_config"] = config
    if data.get("seed") is not None:
        chat["seed"] = data["seed"]
    return parse_request(ChatCompletionRequest, chat), n


async def openrouter_images(request: web.Request, size_to_aspect_ratio) -> web.StreamResponse:
    body, n = openrouter_image_request(await read_json_body(request), size_to_aspect_ratio)
    replies = await asyncio.gather(*(complete(request, body, MODALITY) for _ in range(n)))
    data, usage = [], {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    for reply in replies:
        for completion in reply:
            for image in completion.message.get("images") or []:
                header, _, b64 = image["image_url"]["url"].partition(";base64,")
                data.append({"b64_json": b64, "media_type": header.removeprefix("data:")})
            for key in usage:
                usage[key] += (completion.usage or {}).get(key, 0)
    return await write_json_body(request, {"created": int(time.time()), "data": data, "usage": usage})

"""Billing of Google-native generateContent calls (/v1beta/models/...:generateContent), which skip the plugins:
the estimate from the body's size and maxOutputTokens, the actual cost from usageMetadata."""
from __future__ import annotations

import json
from typing import Any

from proxy.money.pricing import (
    CHARS_PER_TOKEN,
    DEFAULT_IMAGE_SIZE,
    ESTIMATED_OUTPUT_TOKENS,
    Usage,
    _pick,
    price_of,
    token_cost,
)


def native_estimate(route, body: dict) -> Usage:
    price = price_of(route)
    input_tokens = len(json.dumps(body.get("contents", ""), default=str)) // CHARS_PER_TOKEN
    config = body["generationConfig"] if isinstance(body.get("generationConfig"), dict) else {}
    if price.per_image:
        size = str((config.get("imageConfig") or {}).get("imageSize") or DEFAULT_IMAGE_SIZE)
        return Usage(cost_usd=_pick(price.per_image, size) + token_cost(price, input_tokens, 0), images=1,
                     input_tokens=input_tokens)
    output = config["maxOutputTokens"] if isinstance(config.get("maxOutputTokens"), int) \
        else ESTIMATED_OUTPUT_TOKENS
    return Usage(cost_usd=token_cost(price, input_tokens, output), input_tokens=input_tokens, output_tokens=output)


def native_actual(route, body: dict, replies: list[dict]) -> Usage:
    """The cost of a generateContent answer (or of a stream's events, whose last usageMetadata counts)."""
    price = price_of(route)
    metadata: dict[str, Any] = next((r["usageMetadata"] for r in reversed(replies) if isinstance(r.get("usageMetadata"), dict)), {})
    prompt = int(metadata.get("promptTokenCount") or 0)
    output = int(metadata.get("candidatesTokenCount") or 0) + int(metadata.get("thoughtsTokenCount") or 0)
    images = sum(1 for r in replies for c in r.get("candidates") or [] for p in (c.get("content") or {}).get("parts")
                 or [] if isinstance(p, dict) and "inlineData" in p)
    if price.per_image and images:
        config = body["generationConfig"] if isinstance(body.get("generationConfig"), dict) else {}
        size = str((config.get("imageConfig") or {}).get("imageSize") or DEFAULT_IMAGE_SIZE)
        return Usage(cost_usd=_pick(price.per_image, size) * images + token_cost(price, prompt, 0), images=images,
                     input_tokens=prompt, output_tokens=output)
    return Usage(cost_usd=token_cost(price, prompt, output), images=images, input_tokens=prompt, output_tokens=output)

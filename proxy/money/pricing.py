"""Cost of a request: estimated before anything is sent, actual once the answer's usage is known.

The price of a route is its routes.yaml ``price:`` if set, else proxy.money.price_table.PRICES by the
route's upstream model id. A model without a price costs 0 (and the README says how to set one).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from proxy.money.price_table import PRICES

DEFAULT_SECONDS = 8        # Veo's and Omni's default duration (wire-formats.md, google-2026-11.md)
DEFAULT_RESOLUTION = "720p"
DEFAULT_IMAGE_SIZE = "1K"
ESTIMATED_OUTPUT_TOKENS = 1000  # a text request without max_tokens: what a budget check assumes it writes
CHARS_PER_TOKEN = 4


class PriceSpec(BaseModel):
    """A model's price (USD); the fields that do not apply stay unset."""

    model_config = ConfigDict(extra="forbid")

    per_second: dict[str, float] | None = Field(None, description="video with audio, by resolution")
    per_second_silent: dict[str, float] | None = Field(None, description="video without audio, by resolution")
    per_image: dict[str, float] | None = Field(None, description="by image_size (1K, 2K, 4K, 512)")
    input_per_million: float | None = Field(None, ge=0)
    output_per_million: float | None = Field(None, ge=0)
    video_per_million: float | None = Field(None, ge=0, description="video output tokens")
    video_tokens_per_second: float | None = Field(None, gt=0, description="to estimate video tokens")
    per_song: float | None = Field(None, ge=0, description="music: each song or clip (Lyria bills per song)")
    audio_tokens_per_char: float | None = Field(None, gt=0, description="speech: audio tokens per character "
                                                                        "of text, to estimate before it is spoken")
    source: str | None = None


@dataclass
class Usage:
    """What one request used; cost in USD."""

    cost_usd: float = 0.0
    video_seconds: float = 0.0
    images: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    video_tokens: int = 0


def price_of(route) -> PriceSpec:
    override = getattr(route, "price", None)
    if override:
        return _override(json.dumps(override, sort_keys=True))
    return _shipped(route.target, route.vertex_target)


@functools.lru_cache(maxsize=512)
def _shipped(target: str, vertex_target: str | None) -> PriceSpec:
    return PriceSpec.model_validate(PRICES.get(target) or PRICES.get(vertex_target or "") or {})


@functools.lru_cache(maxsize=512)
def _override(text: str) -> PriceSpec:
    return PriceSpec.model_validate(json.loads(text))


def _pick(table: dict[str, float] | None, key: str) -> float:
    if not table:
        return 0.0
    if key in table:
        return table[key]
    lowered = {k.lower(): v for k, v in table.items()}
    return lowered.get(key.lower(), max(table.values()))  # an unlisted size: the dearest, never free


def _video_config(body) -> dict:
    config = body.extra("video_config") if hasattr(body, "extra") else None
    return config if isinstance(config, dict) else {}


def _seconds(value, default) -> float:
    try:
        return float(str(value).removesuffix("s")) if value is not None else float(default)
    except ValueError:
        return float(default)


def video_usage(price: PriceSpec, seconds: float, resolution: str, audio: bool, count: int,
                video_tokens: int | None = None, input_tokens: int = 0, output_tokens: int = 0) -> Usage:
    usage = Usage(video_seconds=seconds * count, input_tokens=input_tokens, output_tokens=output_tokens)
    if price.video_per_million is not None:
        tokens = video_tokens if video_tokens is not None else \
            round(seconds * count * (price.video_tokens_per_second or 0))
        usage.video_tokens = tokens
        usage.cost_usd = tokens * price.video_per_million / 1e6
    else:
        table = price.per_second if audio or not price.per_second_silent else price.per_second_silent
        usage.cost_usd = _pick(table, resolution or DEFAULT_RESOLUTION) * seconds * count
    usage.cost_usd += token_cost(price, input_tokens, output_tokens)
    return usage


def token_cost(price: PriceSpec, input_tokens: int, output_tokens: int) -> float:
    return (input_tokens * (price.input_per_million or 0) + output_tokens * (price.output_per_million or 0)) / 1e6


def estimate(route, body, video_modalities: set[str]) -> Usage:
    """The cost of a chat-shaped request before it is sent (an upper bound where the answer varies)."""
    price = price_of(route)
    if route.modality in video_modalities:
        config = {**route.defaults, **_video_config(body)}
        return video_usage(price, _seconds(config.get("duration_seconds"), DEFAULT_SECONDS),
                           str(config.get("resolution") or DEFAULT_RESOLUTION), config.get("generate_audio") is not False,
                           int(config.get("number_of_videos") or 1))
    text = json.dumps([m.model_dump(mode="json") for m in body.messages], default=str)
    input_tokens = len(text) // CHARS_PER_TOKEN
    if price.per_song is not None:
        return Usage(cost_usd=price.per_song + token_cost(price, input_tokens, 0), input_tokens=input_tokens)
    if price.audio_tokens_per_char is not None:
        spoken = round(len(body.prompt_text()) * price.audio_tokens_per_char)
        return Usage(cost_usd=token_cost(price, input_tokens, spoken), input_tokens=input_tokens,
                     output_tokens=spoken)
    if price.per_image:
        config = body.extra("image_config") or {}
        size = (config.get("image_size") if isinstance(config, dict) else None) or \
            route.defaults.get("image_size") or DEFAULT_IMAGE_SIZE
        count = int(body.n or 1)
        return Usage(cost_usd=_pick(price.per_image, str(size)) * count + token_cost(price, input_tokens, 0),
                     images=count, input_tokens=input_tokens)
    output = body.extra("max_completion_tokens") or body.extra("max_tokens") or ESTIMATED_OUTPUT_TOKENS
    try:
        output = int(output)
    except (TypeError, ValueError):
        output = ESTIMATED_OUTPUT_TOKENS
    return Usage(cost_usd=token_cost(price, input_tokens, output), input_tokens=input_tokens, output_tokens=output)


def _tokens(usage: dict | None) -> tuple[int, int, int]:
    usage = usage or {}
    details = usage.get("completion_tokens_details") or {}
    video = int(details.get("video_tokens") or 0)
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), video


def actual(route, message: dict, usage: dict | None, summary: dict, video_modalities: set[str],
           image_size: str | None = None) -> Usage:
    """The cost of an answer: videos by their seconds (or video tokens), images by count, text by tokens."""
    price = price_of(route)
    prompt, completion, video_tokens = _tokens(usage)
    message = message or {}
    if route.modality in video_modalities:
        videos = message.get("videos") or []
        count = len(videos) if isinstance(videos, list) and videos else 1
        seconds = _seconds(summary.get("seconds"), DEFAULT_SECONDS)
        return video_usage(price, seconds, str(summary.get("resolution") or DEFAULT_RESOLUTION),
                           summary.get("audio") is not False, count,
                           video_tokens=video_tokens if price.video_per_million is not None and usage else None,
                           input_tokens=prompt, output_tokens=max(0, completion - video_tokens))
    if price.per_song is not None and message.get("audio"):
        return Usage(cost_usd=price.per_song + token_cost(price, prompt, 0), input_tokens=prompt,
                     output_tokens=completion)
    images = message.get("images") or []
    count = len(images) if isinstance(images, list) else 0
    if price.per_image and count:
        size = image_size or DEFAULT_IMAGE_SIZE
        return Usage(cost_usd=_pick(price.per_image, size) * count + token_cost(price, prompt, 0), images=count,
                     input_tokens=prompt, output_tokens=completion)
    return Usage(cost_usd=token_cost(price, prompt, completion), images=count, input_tokens=prompt,
                 output_tokens=completion)

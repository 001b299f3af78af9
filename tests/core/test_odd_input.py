"""Odd values in every field of every endpoint: a 4xx in OpenAI's shape each time, never a 500."""
from __future__ import annotations

import asyncio
import copy

from tests.support import AUTH

ODD = [None, 0, -1, 1.5, "", "x", [], {}, [1], {"a": 1}, True, "9999999999999", [None], {"url": None}]
VIDEO = {"model": "veo-3.1-generate-preview", "messages": [{"role": "user", "content": "cat"}],
         "modalities": ["video", "text"]}
IMAGE = {"model": "gemini-3-pro-image", "messages": [{"role": "user", "content": "cat"}],
         "modalities": ["image", "text"]}
TEXT = {"model": "gemini-3-flash-preview", "messages": [{"role": "user", "content": "cat"}]}
CHAT_FIELDS = ("model", "messages", "modalities", "n", "stream", "stream_options", "video_config", "image_config",
               "temperature", "max_tokens", "tools", "tool_choice", "response_format", "stop", "seed",
               "reasoning_effort")
VIDEO_CONFIG = ("duration_seconds", "aspect_ratio", "resolution", "negative_prompt", "seed", "person_generation",
                "number_of_videos", "generate_audio", "enhance_prompt", "last_frame", "reference_images", "video")
VIDEOS_API = ("prompt", "model", "seconds", "size", "input_reference", "negative_prompt", "seed", "reference_images")


def with_value(body: dict, path: tuple, value) -> dict:
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def cases() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for base in (VIDEO, IMAGE, TEXT):
        for field in CHAT_FIELDS:
            out += [("/v1/chat/completions", with_value(base, (field,), odd)) for odd in ODD]
        for odd in ODD:
            for part in ({"type": "image_url", "image_url": odd}, {"type": "video_url", "video_url": odd}, odd):
                out.append(("/v1/chat/completions", with_value(base, ("messages", 0, "content"), [part])))
            out.append(("/v1/chat/completions", with_value(base, ("messages", 0, "role"), odd)))
    for field in VIDEO_CONFIG:
        out += [("/v1/chat/completions", with_value({**VIDEO, "video_config": {}}, ("video_config", field), odd))
                for odd in ODD]
    for field in VIDEOS_API:
        out += [("/v1/videos", {"prompt": "cat", field: odd}) for odd in ODD]
    for odd in ODD:
        out += [("/v1/images/generations", {"prompt": "cat", "size": odd}), ("/v1/videos", odd),
                ("/v1/images/generations", {"prompt": "cat", "n": odd}), ("/v1/chat/completions", odd)]
    return out


async def test_no_odd_value_gets_a_server_error(make_proxy):
    proxy = await make_proxy(max_jobs_per_key=10_000)
    gate = asyncio.Semaphore(8)
    failures = []

    async def send(path: str, body) -> None:
        async with gate:
            resp = await proxy.post(path, json=body, headers=AUTH)
            text = await resp.text()
            if resp.status >= 500 or (resp.status >= 400 and '"error"' not in text):
                failures.append((resp.status, path, body, text[:200]))

    all_cases = cases()
    await asyncio.gather(*(send(path, body) for path, body in all_cases))
    assert len(all_cases) > 1000
    assert failures == []

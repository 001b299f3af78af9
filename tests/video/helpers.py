"""Helpers for the video tests: the seed request, decoding returned videos, reading emulator records."""
from __future__ import annotations

import base64
import json
import struct
from typing import Any

SEED = {
    "model": "veo-3.1-generate-preview",
    "messages": [{"role": "user", "content": "A cat playing with a ball"}],
    "modalities": ["video", "text"],
    "video_config": {"duration_seconds": "8", "aspect_ratio": "16:9", "resolution": "720p",
                     "negative_prompt": "cartoon, drawing, low quality"},
}
PNG_1PX = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def video_request(prompt: str = "A cat playing with a ball", model: str = "veo-3.1-generate-preview",
                  **video_config: Any) -> dict:
    body = json.loads(json.dumps(SEED))
    body["model"] = model
    body["messages"][0]["content"] = prompt
    body["video_config"].update(video_config)
    body["video_config"] = {k: v for k, v in body["video_config"].items() if v is not None}
    return body


def decode_video(item: dict) -> bytes:
    url = item["video_url"]["url"]
    prefix = "data:video/mp4;base64,"
    assert url.startswith(prefix), url[:60]
    return base64.b64decode(url[len(prefix):], validate=True)


def mp4_duration(data: bytes) -> float:
    """Seconds, from the mvhd box of an MP4."""
    at = data.index(b"mvhd")
    version = data[at + 4]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[at + 24:at + 36])
    else:
        timescale, duration = struct.unpack(">II", data[at + 16:at + 24])
    return duration / timescale


def submits(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")]


def polls(emulator) -> list:
    return [r for r in emulator.state.requests if "/operations/" in r.path or r.path.endswith(":fetchPredictOperation")]

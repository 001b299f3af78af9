"""Helpers for the emulator tests: request bodies, polling, MP4 and PNG parsing."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

KEY = {"x-goog-api-key": "test-key"}
BEARER = {"Authorization": "Bearer test-token"}
GEMINI = "gemini-3-flash-preview"
IMAGE_MODEL = "gemini-3-pro-image"
VEO = "veo-3.1-generate-preview"


def text_body(prompt: str, **config: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}
    if config:
        body["generationConfig"] = config
    return body


def veo_body(prompt: str = "A cat playing with a ball", **params: Any) -> dict[str, Any]:
    return {"instances": [{"prompt": prompt}], "parameters": params}


async def submit_veo(session, emu, body, model: str = VEO) -> str:
    async with session.post(f"{emu.base_url}/v1beta/models/{model}:predictLongRunning",
                            json=body, headers=KEY) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["name"]


async def poll_until_done(session, emu, name: str, timeout: float = 10) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with session.get(f"{emu.base_url}/v1beta/{name}", headers=KEY) as r:
            if r.status == 200:
                op = await r.json()
                if op["done"]:
                    return op
        assert asyncio.get_running_loop().time() < deadline, "operation never finished"
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------- MP4 / PNG parsing

def mp4_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between start and end."""
    end = len(data) if end is None else end
    boxes, pos = [], start
    while pos < end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        assert size >= header and pos + size <= end, f"bad box {kind!r} at {pos}"
        boxes.append((kind, pos + header, pos + size))
        pos += size
    assert pos == end
    return boxes


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int]:
    for k, s, e in mp4_boxes(data, start, end):
        if k == kind:
            return s, e
    raise AssertionError(f"no {kind!r} box")


def mp4_info(data: bytes) -> dict[str, Any]:
    """Duration (mvhd) and display size (first video tkhd) of an MP4."""
    top = mp4_boxes(data)
    moov_s, moov_e = next((s, e) for k, s, e in top if k == b"moov")
    s, _ = _child(data, moov_s, moov_e, b"mvhd")
    if data[s] == 1:
        timescale, duration = struct.unpack(">IQ", data[s + 20 : s + 32])
    else:
        timescale, duration = struct.unpack(">II", data[s + 12 : s + 20])
    trak_s, trak_e = _child(data, moov_s, moov_e, b"trak")
    t, _ = _child(data, trak_s, trak_e, b"tkhd")
    off = t + (88 if data[t] == 1 else 76)
    width, height = struct.unpack(">II", data[off : off + 8])
    return {"top": [k for k, _, _ in top], "seconds": duration / timescale,
            "width": width >> 16, "height": height >> 16}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])

"""Helpers for the plugin tests: what the emulator received, SSE parsing, PNG facts."""
from __future__ import annotations

import base64
import json
import struct
from typing import Any

from tests.support import AUTH


def upstream_calls(emulator, action: str = "generateContent") -> list:
    return [r for r in emulator.state.requests if r.path.endswith(":" + action)]


def last_body(emulator, action: str = "generateContent") -> dict:
    calls = upstream_calls(emulator, action)
    assert calls, f"the emulator received no {action} request"
    return calls[-1].json


async def post(proxy, body: dict, path: str = "/v1/chat/completions") -> tuple[int, Any]:
    resp = await proxy.post(path, json=body, headers=AUTH)
    return resp.status, await resp.json()


async def post_stream(proxy, body: dict) -> tuple[int, list, str]:
    """(status, data events as JSON except [DONE], raw text)."""
    resp = await proxy.post("/v1/chat/completions", json={**body, "stream": True}, headers=AUTH)
    raw = await resp.text()
    events = []
    for block in raw.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: ") and line[6:] != "[DONE]":
                events.append(json.loads(line[6:]))
    return resp.status, events, raw


def png_size(data_uri: str) -> tuple[int, int]:
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix), data_uri[:40]
    png = base64.b64decode(data_uri[len(prefix):])
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])

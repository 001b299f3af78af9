"""Writing streamed answers: SSE events (``data: {json}\\r\\n\\r\\n``) and abrupt closes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .faults import MALFORMED_BODY, Faults

STREAM_ERROR = {
    "error": {
        "code": 500,
        "message": "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting",
        "status": "INTERNAL",
    }
}


def close_abruptly(request: web.Request) -> None:
    """Drop the connection after what was written so far (no end of body)."""
    if request.transport is not None:
        request.transport.close()


async def write_stream(
    request: web.Request,
    events: list[dict[str, Any]],
    faults: Faults,
    wrap: Callable[[dict[str, Any]], dict[str, Any]] = lambda e: e,
) -> web.StreamResponse:
    """Answer ``events`` as SSE (``alt=sse``) or, like Google without ``alt=sse``, a JSON array."""
    sse = request.query.get("alt") == "sse"
    if not sse and "stream-error" not in faults and "malformed" not in faults:
        return web.json_response([wrap(e) for e in events])
    resp = web.StreamResponse(
        headers={"Content-Type": "text/event-stream" if sse else "application/json",
                 "Cache-Control": "no-cache"}
    )
    await resp.prepare(request)

    def frame(payload: str) -> bytes:
        return f"data: {payload}\r\n\r\n".encode() if sse else payload.encode()

    if "malformed" in faults:
        await resp.write(frame(MALFORMED_BODY))
        await resp.write_eof()
        return resp
    if not sse:
        await resp.write(b"[")
    for i, event in enumerate(events):
        if "stream-error" in faults and i == 1:
            break
        await resp.write(frame(("" if sse or i == 0 else ",\r\n") + json.dumps(wrap(event))))
    if "stream-error" in faults:
        await resp.write(frame(json.dumps(STREAM_ERROR)))
        close_abruptly(request)
        return resp
    if not sse:
        await resp.write(b"]")
    await resp.write_eof()
    return resp

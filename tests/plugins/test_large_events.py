"""Real-size answers: a generated image arrives from Google as ONE stream event of megabytes (a 1K PNG is 1-2 MB
of base64, a 4K one tens of MB). Every path that reads Google's streams takes it whole, byte for byte; past the
cap (upstream_max_event_bytes) the caller gets a 502 upstream_too_large in its own API shape, never a 500."""
from __future__ import annotations

import base64
import json
import os
import struct
import zlib

import pytest
from aiohttp import web

from proxy.upstreams.events import sse_data
from tests.plugins.helpers import post, post_stream
from tests.support import AUTH, UPSTREAM_KEY, assert_openai_error, chat

MODEL = "gemini-3-pro-image"


def big_png(width: int = 1000, height: int = 1000) -> bytes:
    """A valid RGB PNG of noise, stored uncompressed: ~3 MB for 1000x1000."""
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))


def image_answer(png: bytes) -> dict:
    return {"candidates": [{"content": {"role": "model", "parts": [
                {"text": "Here it is."}, {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode()}}]},
            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1124, "totalTokenCount": 1128},
            "modelVersion": MODEL, "responseId": "abcdefghijklmnopqrstuv"}


@pytest.fixture
def png() -> bytes:
    data = big_png()
    assert len(data) > 3_000_000
    return data


@pytest.fixture
async def google_like(aiohttp_server, png):
    """An upstream that answers like Google: the image in one SSE event (written in odd-sized pieces, with
    Google's CRLF framing), or in one generateContent JSON."""
    async def action(request: web.Request) -> web.StreamResponse:
        assert request.headers.get("x-goog-api-key") == UPSTREAM_KEY
        answer = image_answer(png)
        if request.match_info["action"] == "generateContent":
            return web.json_response(answer)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        frame = b"data: " + json.dumps(answer).encode() + b"\r\n\r\n"
        for i in range(0, len(frame), 100_003):
            await resp.write(frame[i:i + 100_003])
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1beta/models/{model}:{action}", action)
    return await aiohttp_server(app)


def data_uri_png(uri: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix):])


async def test_a_3_mb_image_event_streams_through_chat_whole(make_proxy, google_like, png):
    proxy = await make_proxy(gemini_base_url=str(google_like.make_url("")).rstrip("/"))
    status, events, raw = await post_stream(proxy, chat(MODEL, "a big picture"))
    assert status == 200, raw[:300]
    images = [i for e in events if e.get("choices") for i in e["choices"][0]["delta"].get("images") or []]
    assert len(images) == 1
    assert data_uri_png(images[0]["image_url"]["url"]) == png


async def test_a_3_mb_image_through_images_generations(make_proxy, google_like, png):
    proxy = await make_proxy(gemini_base_url=str(google_like.make_url("")).rstrip("/"))
    status, body = await post(proxy, {"prompt": "a big picture", "model": MODEL}, "/v1/images/generations")
    assert status == 200, str(body)[:300]
    assert base64.b64decode(body["data"][0]["b64_json"]) == png


async def test_a_3_mb_image_event_through_the_native_stream(make_proxy, google_like, png):
    proxy = await make_proxy(gemini_base_url=str(google_like.make_url("")).rstrip("/"))
    resp = await proxy.post(f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse", headers=AUTH,
                            json={"contents": [{"role": "user", "parts": [{"text": "a big picture"}]}]})
    assert resp.status == 200
    raw = await resp.read()
    events = [json.loads(line[6:]) for line in raw.split(b"\n") if line.startswith(b"data: ")]
    parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
    (image,) = [p["inlineData"] for p in parts if "inlineData" in p]
    assert base64.b64decode(image["data"]) == png


async def test_an_event_past_the_cap_is_a_502_in_the_callers_shape(make_proxy, google_like):
    proxy = await make_proxy(gemini_base_url=str(google_like.make_url("")).rstrip("/"),
                             upstream_max_event_bytes=1024 * 1024)
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(MODEL, "too big", stream=True))
    assert resp.status == 502
    error = assert_openai_error(await resp.json(), code="upstream_too_large")
    assert "1048576 bytes" in error["message"]

    resp = await proxy.post(f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse", headers=AUTH,
                            json={"contents": [{"role": "user", "parts": [{"text": "too big"}]}]})
    assert resp.status == 502
    error = (await resp.json())["error"]
    assert error["status"] == "UNAVAILABLE" and "upstream_max_event_bytes" in error["message"]


async def _collect(pieces: list[bytes], cap: int = 1 << 20) -> list[bytes]:
    async def chunks():
        for piece in pieces:
            yield piece

    return [event async for event in sse_data(chunks(), cap, "test")]


@pytest.mark.parametrize("framing", [b"\r\n", b"\n", b"\r"])
async def test_sse_framing_any_line_end_and_any_split(framing):
    """CRLF, LF and CR line ends, an event split anywhere (even between CR and LF), comments, multi-line data."""
    text = (b": keep-alive" + framing + framing + b"data: {\"a\":1}" + framing + framing
            + b"event: x" + framing + b"data: [1," + framing + b"data: 2]" + framing + framing + b"data: last")
    expected = [b"{\"a\":1}", b"[1,\n2]", b"last"]
    assert await _collect([text]) == expected
    for cut in range(1, len(text)):
        assert await _collect([text[:cut], text[cut:]]) == expected, cut
    assert await _collect([bytes([b]) for b in text]) == expected

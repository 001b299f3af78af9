"""Issue 14.2: a multipart POST /v1/videos is read as a stream, each field within its limit and the
whole body within max_body_bytes; a 413 comes while the body is still arriving, and nothing reaches Google."""
from __future__ import annotations

import asyncio
import base64
import json

import aiohttp

from tests.support import AUTH, CLIENT_KEY, assert_openai_error

BOUNDARY = "genproxy-test-boundary"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
MB = 1024 * 1024


def _field(name: str, value: bytes, filename: str | None = None, mime: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if mime:
        head += f"Content-Type: {mime}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def _end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


async def _stream_until_answered(proxy, head_parts: bytes, filler: bytes, total: int, content_length: bool = False):
    """Send a multipart body of ``total`` bytes over a raw connection, the last field being ``filler``
    repeated; stop as soon as the server answers. Returns (status line + headers, body, bytes sent)."""
    reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
    length = f"Content-Length: {total}\r\n" if content_length else "Transfer-Encoding: chunked\r\n"
    writer.write((f"POST /v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {CLIENT_KEY}\r\n"
                  f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n").encode())

    def frame(data: bytes) -> bytes:
        return data if content_length else f"{len(data):x}\r\n".encode() + data + b"\r\n"

    sent = 0
    answer = asyncio.ensure_future(reader.read(65536))
    try:
        writer.write(frame(head_parts))
        sent += len(head_parts)
        while sent < total and not answer.done():
            writer.write(frame(filler))
            sent += len(filler)
            await writer.drain()
            await asyncio.sleep(0)
    except (ConnectionResetError, BrokenPipeError):
        pass
    raw = await asyncio.wait_for(answer, 10)
    while b"\r\n\r\n" in raw and len(raw.partition(b"\r\n\r\n")[2]) < _length(raw):
        more = await asyncio.wait_for(reader.read(65536), 10)
        if not more:
            break
        raw += more
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode(), body, sent


def _length(raw: bytes) -> int:
    for line in raw.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def _submits(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")]


async def test_a_huge_prompt_is_refused_with_413_while_it_is_still_arriving(proxy, emulator):
    head = _field("model", b"veo-3.1-generate-preview") + (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n").encode()
    status, body, sent = await _stream_until_answered(proxy, head, b"a cat " * 10922, 300 * MB)
    assert " 413 " in status.splitlines()[0], status
    error = assert_openai_error(json.loads(body), code="request_too_large", param="prompt")
    assert "32 KiB" in error["message"]
    assert sent < 20 * MB, f"the client could send {sent // MB} MB before the 413"
    assert _submits(emulator) == []


async def test_an_input_reference_over_20_mb_is_refused(make_proxy, emulator):
    proxy = await make_proxy(max_body_bytes=200 * MB)
    head = _field("prompt", b"A cat") + (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"input_reference\"; filename=\"cat.png\"\r\n"
        f"Content-Type: image/png\r\n\r\n").encode()
    status, body, sent = await _stream_until_answered(proxy, head, b"\x89PNG" * 16384, 100 * MB)
    assert " 413 " in status.splitlines()[0], status
    error = assert_openai_error(json.loads(body), code="request_too_large", param="input_reference")
    assert "20 MB" in error["message"]
    assert sent < 40 * MB
    assert _submits(emulator) == []


async def test_a_body_over_max_body_bytes_is_refused_before_it_is_read(make_proxy, emulator):
    proxy = await make_proxy(max_body_bytes=4 * MB)
    head = _field("prompt", b"A cat") + _field("negative_prompt", b"dogs")
    # 100 MB announced: the answer comes before the client sent more than a few chunks
    status, body, sent = await _stream_until_answered(proxy, head, b"x" * 65536, 100 * MB, content_length=True)
    assert " 413 " in status.splitlines()[0], status
    assert_openai_error(json.loads(body), code="request_too_large")
    assert sent < 20 * MB
    # chunked (no length announced): refused once 4 MB of fields arrived, reference images included
    head = _field("prompt", b"A cat") + f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"reference_images\"\r\n\r\n".encode()
    status, body, sent = await _stream_until_answered(proxy, head, b"A" * 65536, 100 * MB)
    assert " 413 " in status.splitlines()[0], status
    assert _submits(emulator) == []


async def test_a_form_within_its_limits_still_makes_a_video(proxy, emulator):
    form = aiohttp.FormData()
    form.add_field("prompt", "A cat playing with a ball")
    form.add_field("model", "veo-3.1-generate-preview")
    form.add_field("seconds", "8")
    form.add_field("input_reference", PNG, filename="cat.png", content_type="image/png")
    resp = await proxy.post("/v1/videos", data=form, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] in ("queued", "in_progress")
    [submit] = _submits(emulator)
    image = submit.json["instances"][0]["image"]
    assert base64.b64decode(image.get("bytesBase64Encoded") or image["inlineData"]["data"]) == PNG


async def test_a_json_prompt_past_googles_limit_is_a_400_before_google_is_called(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "a cat " * 8000}, headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="prompt")
    assert _submits(emulator) == []


async def test_a_chat_video_prompt_past_googles_limit_is_a_400_before_google_is_called(proxy, emulator):
    body = {"model": "veo-3.1-generate-preview", "modalities": ["video", "text"],
            "messages": [{"role": "user", "content": "a cat " * 8000}]}
    resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="prompt_too_long", param="messages")
    assert _submits(emulator) == []

"""stream: true for text and images: one chunk per upstream event, usage, errors mid-stream, disconnects."""
from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from tests.plugins.helpers import last_body, png_size, post_stream, upstream_calls
from tests.support import AUTH, assert_openai_error, chat

MODEL = "gemini-3-flash-preview"
IMAGE_MODEL = "gemini-3-pro-image"


def deltas(events: list[dict]) -> list[dict]:
    return [e["choices"][0]["delta"] for e in events if e.get("choices")]


async def test_text_stream_chunks_usage_and_done(proxy, emulator):
    status, events, raw = await post_stream(proxy, chat(MODEL, "stream me please",
                                                        stream_options={"include_usage": True}))
    assert status == 200, raw
    assert raw.rstrip().endswith("data: [DONE]")
    assert all(e["object"] == "chat.completion.chunk" for e in events)
    pieces = deltas(events)
    assert pieces[0]["role"] == "assistant"
    assert "".join(d.get("content") or "" for d in pieces) == "Echo: stream me please"
    assert len([d for d in pieces if d.get("content")]) == 3  # the emulator sends the text in 3 events
    finishes = [e["choices"][0]["finish_reason"] for e in events if e.get("choices")]
    assert finishes[-1] == "stop" and set(finishes[:-1]) == {None}
    assert events[-1]["choices"] == []
    usage = events[-1]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    call = upstream_calls(emulator, "streamGenerateContent")[-1]
    assert call.query == {"alt": "sse"}
    assert call.json == {"contents": [{"role": "user", "parts": [{"text": "stream me please"}]}]}


async def test_stream_reasoning_and_tool_calls(proxy, emulator):
    status, events, raw = await post_stream(proxy, chat(MODEL, "why", reasoning_effort="medium"))
    assert status == 200, raw
    pieces = deltas(events)
    assert "The user asked: why" in "".join(d.get("reasoning_content") or "" for d in pieces)
    assert "".join(d.get("content") or "" for d in pieces) == "Echo: why"

    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]
    status, events, raw = await post_stream(proxy, chat(MODEL, "find [emulate:tool]", tools=tools))
    assert status == 200, raw
    calls = [c for d in deltas(events) for c in d.get("tool_calls") or []]
    assert len(calls) == 1 and calls[0]["index"] == 0 and calls[0]["id"].startswith("call_")
    assert calls[0]["function"]["name"] == "lookup" and json.loads(calls[0]["function"]["arguments"]) == {"q": "example"}
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert last_body(emulator, "streamGenerateContent")["tools"][0]["functionDeclarations"][0]["name"] == "lookup"


async def test_upstream_failure_mid_stream_ends_with_error_event(proxy, emulator):
    status, events, raw = await asyncio.wait_for(post_stream(proxy, chat(MODEL, "go [emulate:stream-error]")), 10)
    assert status == 200
    assert deltas(events)[0].get("content")  # the first event arrived
    assert_openai_error(events[-1], code="upstream_stream_error")
    assert "internal error" in events[-1]["error"]["message"]
    assert raw.rstrip().endswith("data: [DONE]")


async def test_errors_before_the_first_event_keep_their_status(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(MODEL, "x [emulate:blocked]", stream=True))
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="content_filter")
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(MODEL, "x [emulate:quota]", stream=True))
    assert resp.status == 429


async def test_image_stream_puts_images_in_delta(proxy, emulator):
    status, events, raw = await post_stream(proxy, chat(IMAGE_MODEL, "a fox", image_config={"aspect_ratio": "4:3"}))
    assert status == 200, raw
    images = [i for d in deltas(events) for i in d.get("images") or []]
    assert len(images) == 1 and images[0]["type"] == "image_url" and images[0]["index"] == 0
    width, height = png_size(images[0]["image_url"]["url"])
    assert (width, height) == (1200, 896)  # Google's 4:3 at 1K
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    assert last_body(emulator, "streamGenerateContent")["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "4:3"}}

    status, events, raw = await post_stream(proxy, chat(IMAGE_MODEL, "a fox [emulate:no-image]"))
    assert status == 200, raw
    assert not any(d.get("images") for d in deltas(events))
    assert events[-1]["choices"][0]["finish_reason"] == "content_filter"


# ------------------------------------------------------------------ a slow upstream we control

class SlowUpstream:
    """streamGenerateContent that sends one event, then waits for `release` before the second."""

    def __init__(self):
        self.release = asyncio.Event()
        self.closed = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/v1beta/models/{action}", self.handle)

    @staticmethod
    def event(text: str, finish: str | None = None) -> bytes:
        candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        return f"data: {json.dumps({'candidates': [candidate]})}\r\n\r\n".encode()

    async def handle(self, request):
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(self.event("one "))
        try:
            await self.release.wait()
            await resp.write(self.event("two", "STOP"))
            await resp.write_eof()
        except (asyncio.CancelledError, ConnectionResetError):
            self.closed.set()
            raise
        return resp


async def _first_chunk(resp) -> dict:
    async for line in resp.content:
        if line.startswith(b"data: "):
            return json.loads(line[6:])
    raise AssertionError("stream ended without a chunk")


@pytest.fixture
async def slow_setup(aiohttp_server, make_proxy):
    upstream = SlowUpstream()
    server = await aiohttp_server(upstream.app)
    # aiohttp's TestServer runs with handler_cancellation=True: the proxy's handler task is
    # cancelled when its client goes away (production needs the same runner setting).
    client = await make_proxy(gemini_base_url=str(server.make_url("")).rstrip("/"))
    yield upstream, client
    upstream.release.set()


async def test_chunks_are_forwarded_as_they_arrive(slow_setup):
    upstream, client = slow_setup
    resp = await client.post("/v1/chat/completions", headers=AUTH, json=chat(MODEL, "hi", stream=True))
    assert resp.status == 200
    first = await asyncio.wait_for(_first_chunk(resp), 5)  # while the upstream still holds the second event
    assert first["choices"][0]["delta"]["content"] == "one "
    upstream.release.set()
    rest = (await asyncio.wait_for(resp.text(), 5))
    assert '"content": "two"' in rest.replace('":"', '": "') and rest.rstrip().endswith("[DONE]")


async def test_client_disconnect_closes_the_upstream_stream(slow_setup):
    upstream, client = slow_setup
    resp = await client.post("/v1/chat/completions", headers=AUTH, json=chat(MODEL, "hi", stream=True))
    await asyncio.wait_for(_first_chunk(resp), 5)
    resp.close()  # the client goes away mid-stream
    await asyncio.wait_for(upstream.closed.wait(), 5)

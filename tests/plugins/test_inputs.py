"""Input images given as http(s) URLs are fetched in submit (not translate) and sent inline."""
from __future__ import annotations

import base64

import pytest
from aiohttp import web

from plugins import gemini_chat
from tests.plugins.helpers import last_body, post, upstream_calls
from tests.support import assert_openai_error

MODEL = "gemini-3-flash-preview"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
async def files(aiohttp_server):
    def serve(**response):
        async def handler(request):
            return web.Response(**response)
        return handler

    app = web.Application()
    app.router.add_get("/cat.png", serve(body=PNG, content_type="image/png"))
    app.router.add_get("/page.html", serve(text="<b>hi</b>", content_type="text/html"))
    app.router.add_get("/big.png", serve(body=PNG * 10, content_type="image/png"))
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


def ask(url: str) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": url, "detail": "low"}}]}]}


@pytest.fixture
async def proxy(make_proxy):
    # The test file server listens on 127.0.0.1, which the proxy refuses by default (see the last test).
    return await make_proxy(allow_private_image_urls=True)


async def test_remote_image_is_fetched_and_inlined(proxy, emulator, files):
    status, body = await post(proxy, ask(f"{files}/cat.png"))
    assert status == 200, body
    assert last_body(emulator)["contents"] == [{"role": "user", "parts": [
        {"text": "what is this"}, {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}}]}]


async def test_remote_image_problems_are_400_naming_the_part(proxy, emulator, files, monkeypatch):
    monkeypatch.setattr(gemini_chat.messages, "MAX_INLINE_BYTES", len(PNG) * 2)
    param = "messages[0].content[1].image_url.url"
    for path, code in (("/page.html", "invalid_image"), ("/missing.png", "image_fetch_failed"),
                       ("/big.png", "file_too_large")):
        status, body = await post(proxy, ask(files + path))
        assert status == 400, (path, body)
        assert_openai_error(body, code=code, param=param)
    assert upstream_calls(emulator) == []


async def test_thought_signature_goes_back_with_the_function_call(proxy, emulator):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"},
            "extra_content": {"google": {"thought_signature": "c2lnbmF0dXJl"}}}
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_1", "content": "done"}]
    status, body = await post(proxy, {"model": "gemini-3.1-pro-preview", "messages": messages,
                                      "tools": [{"type": "function", "function": {"name": "f"}}]})
    assert status == 200, body
    assert last_body(emulator)["contents"][1:] == [
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "c2lnbmF0dXJl"}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"result": "done"}}}]}]


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "[::1]", "localhost"])
async def test_private_addresses_are_refused_by_default(make_proxy, emulator, files, host):
    proxy = await make_proxy()
    port = files.rsplit(":", 1)[1]
    status, body = await post(proxy, ask(f"http://{host}:{port}/cat.png"))
    assert status == 400, body
    assert_openai_error(body, code="url_not_allowed", param="messages[0].content[1].image_url.url")
    assert upstream_calls(emulator) == []

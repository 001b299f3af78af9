"""passthrough_upstream: what genproxy does not serve goes verbatim and streamed to another gateway (a second
aiohttp server here, standing in for CLIProxyAPI or LiteLLM); the client key is checked first and never
forwarded."""
from __future__ import annotations

import asyncio
import json

import anthropic
import openai
import pytest
from aiohttp import web

from tests.support import AUTH, CLIENT_KEY

GATEWAY_KEY = "gateway-key-0001"


class Gateway:
    """Records what reaches it; answers chat, SSE streams and Anthropic messages like a real gateway."""

    def __init__(self):
        self.requests: list[dict] = []
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                              "headers": dict(request.headers), "body": raw})
        body = json.loads(raw) if raw else {}
        if request.path.endswith("/messages"):
            return web.json_response({"id": "msg_gw", "type": "message", "role": "assistant", "model": body["model"],
                                      "content": [{"type": "text", "text": "from the gateway"}],
                                      "stop_reason": "end_turn", "stop_sequence": None,
                                      "usage": {"input_tokens": 3, "output_tokens": 4}})
        if body.get("stream"):
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            for i, piece in enumerate(["from ", "the ", "gateway"]):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                if i == 0:  # the rest only once the client has seen the first piece: proof of streaming
                    await asyncio.wait_for(self.release.wait(), 10)
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            return response
        if request.path.endswith("/chat/completions"):
            return web.json_response({"id": "c1", "object": "chat.completion", "created": 1, "model": body["model"],
                                      "choices": [{"index": 0, "finish_reason": "stop",
                                                   "message": {"role": "assistant", "content": "from the gateway"}}]},
                                     headers={"x-gateway": "yes"})
        return web.json_response({"path": request.path}, status=418)


@pytest.fixture
async def gateway(aiohttp_server):
    gw = Gateway()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", gw.handle)
    gw.server = await aiohttp_server(app)
    return gw


@pytest.fixture
async def proxy(make_proxy, gateway):
    return await make_proxy(passthrough_upstream=str(gateway.server.make_url("/")).rstrip("/"),
                            passthrough_api_key=GATEWAY_KEY)


async def test_unknown_model_goes_to_the_gateway_with_its_own_key(proxy, gateway, emulator):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        reply = await sdk.chat.completions.with_raw_response.create(
            model="gpt-5-codex", messages=[{"role": "user", "content": "hi"}], extra_query={"key": CLIENT_KEY})
    assert reply.parse().choices[0].message.content == "from the gateway"
    assert reply.headers["x-gateway"] == "yes"
    (seen,) = gateway.requests
    assert seen["path"] == "/v1/chat/completions" and "key" not in seen["query"]
    assert seen["headers"]["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert CLIENT_KEY not in json.dumps(seen["headers"]) and CLIENT_KEY.encode() not in seen["body"]
    assert json.loads(seen["body"]) == {"model": "gpt-5-codex", "messages": [{"role": "user", "content": "hi"}]}
    assert not emulator.state.requests_to("generateContent")


async def test_a_large_body_goes_to_the_gateway_whole(proxy, gateway):
    """A body of 256 KB and more is read by genproxy itself (proxy/http/bodies.py): the gateway still gets every byte."""
    body = json.dumps({"model": "gpt-5-codex", "messages": [{"role": "user", "content": "x" * 400_000}]}).encode()
    reply = await proxy.post("/v1/chat/completions", data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert reply.status == 200, await reply.text()
    assert gateway.requests[-1]["body"] == body


async def test_streams_pass_through_as_they_come(proxy, gateway):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        stream = await sdk.chat.completions.create(model="claude-sonnet-4-5", stream=True,
                                                   messages=[{"role": "user", "content": "hi"}])
        pieces = []
        async for chunk in stream:
            pieces.append(chunk.choices[0].delta.content)
            gateway.release.set()  # the gateway sends the rest only after the first piece arrived here
    assert "".join(pieces) == "from the gateway"


async def test_claude_models_and_unknown_paths_go_to_the_gateway(proxy, gateway):
    """With a gateway behind, the claude-* aliases step aside (unless_passthrough) and x-api-key is replaced."""
    async with anthropic.AsyncAnthropic(base_url=str(proxy.make_url("/api/provider/claude")), max_retries=0,
                                        default_headers={"x-api-key": CLIENT_KEY}, api_key=None,
                                        auth_token=None) as sdk:
        message = await sdk.messages.create(model="claude-opus-5-5", max_tokens=10,
                                            messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "from the gateway"
    seen = gateway.requests[-1]
    assert seen["path"] == "/api/provider/claude/v1/messages" and seen["headers"]["x-api-key"] == GATEWAY_KEY
    reply = await proxy.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x"}, headers=AUTH)
    assert reply.status == 418 and (await reply.json()) == {"path": "/v1/embeddings"}


async def test_gemini_models_stay_here(proxy, gateway):
    reply = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "gemini-3-flash-preview", "messages": [{"role": "user", "content": "hi"}]})
    assert (await reply.json())["choices"][0]["message"]["content"] == "Echo: hi"
    assert gateway.requests == []


async def test_the_client_key_is_checked_first(proxy, gateway):
    for path in ("/v1/chat/completions", "/some/other/path"):
        reply = await proxy.post(path, json={"model": "gpt-5", "messages": []},
                                 headers={"Authorization": "Bearer wrong"})
        assert reply.status == 401, path
    assert gateway.requests == []


async def test_a_gateway_that_is_down_is_a_502(make_proxy, unused_tcp_port_factory):
    proxy = await make_proxy(passthrough_upstream=f"http://127.0.0.1:{unused_tcp_port_factory()}")
    reply = await proxy.post("/v1/chat/completions", headers=AUTH,
                             json={"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]})
    assert reply.status == 502 and (await reply.json())["error"]["code"] == "passthrough_unreachable"


async def test_cross_site_browser_requests_are_not_forwarded(make_proxy, gateway):
    """An open local proxy (no keys): a page on another origin must not reach the gateway through it."""
    proxy = await make_proxy(api_keys=[], passthrough_upstream=str(gateway.server.make_url("/")).rstrip("/"))
    for path in ("/v1/chat/completions", "/some/other/path", "/api/provider/claude/v1/messages"):
        reply = await proxy.post(path, data="{}", headers={"Origin": "https://evil.example",
                                                           "Content-Type": "text/plain"})
        assert reply.status == 403, path
    assert gateway.requests == []


async def test_a_response_the_gateway_made_is_fetched_from_it(proxy, gateway):
    reply = await proxy.get("/v1/responses/resp_made_by_the_gateway", headers=AUTH)
    assert reply.status == 418 and (await reply.json()) == {"path": "/v1/responses/resp_made_by_the_gateway"}
    assert gateway.requests[-1]["method"] == "GET"


async def test_keys_with_a_budget_or_model_list_stay_on_genproxy(make_proxy, gateway):
    """The gateway's spending is not in genproxy's ledger: limited keys may not reach it."""
    url = str(gateway.server.make_url("/")).rstrip("/")
    proxy = await make_proxy(passthrough_upstream=url, api_keys=[
        {"key": "limited-budget-0001", "budget_usd": 5}, {"key": "limited-models-0001", "models": ["gemini-*"]}])
    for key in ("limited-budget-0001", "limited-models-0001"):
        reply = await proxy.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                                 json={"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]})
        assert reply.status == 403 and (await reply.json())["error"]["code"] == "passthrough_not_allowed"
    assert gateway.requests == []

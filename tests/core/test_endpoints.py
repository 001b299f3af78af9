"""GET /healthz, GET /v1/models and POST /v1/chat/completions on the real app."""
from __future__ import annotations

import json

from tests.support import AUTH, assert_openai_error, chat


async def test_healthz_needs_no_key(echo_proxy):
    resp = await echo_proxy.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert resp.headers["x-request-id"]


async def test_models_lists_only_listed_exact_routes(echo_proxy):
    resp = await echo_proxy.get("/v1/models", headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    for m in body["data"]:
        assert m["object"] == "model" and isinstance(m["created"], int) and m["owned_by"]
    assert "veo-3.1-generate-preview" in ids and "echo-1" in ids
    assert not any("*" in i for i in ids), "glob routes are not models"
    assert len(ids) == len(set(ids))
    retired = {m["id"]: m for m in body["data"] if m.get("retired")}
    assert retired["gemini-3-pro-image-preview"]["alias_of"] == "gemini-3-pro-image", "retired ids stay listed as aliases"


async def test_chat_completion_goes_through_the_routes_plugin(echo_proxy, echo_plugin):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "hello world"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "echo-1"
    assert body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "dlrow olleh", "refusal": None}
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] == 2
    assert resp.headers["x-request-id"]
    assert echo_plugin.translated == ["echo-1"]


async def test_target_defaults_and_glob_reach_the_plugin(echo_proxy, echo_plugin):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-short", "abc"), headers=AUTH)
    assert resp.status == 200
    assert (await resp.json())["model"] == "echo-short", "the client sees the name it sent"
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-anything", "abc"), headers=AUTH)
    assert resp.status == 200
    assert echo_plugin.translated == ["echo-upstream-v2", "echo-glob"]


async def test_streamed_chat_is_sse_with_request_id(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", headers=AUTH,
                                 json=chat("echo-1", "streaming", stream=True, stream_options={"include_usage": True}))
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert resp.headers["x-request-id"]
    text = await resp.text()
    events = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert content == "gnimaerts"
    assert any(c["choices"] and c["choices"][0]["finish_reason"] == "stop" for c in chunks)


async def test_unknown_path_is_404_in_openai_shape(echo_proxy):
    for path in ("/v1/nope", "/nope"):
        resp = await echo_proxy.get(path, headers=AUTH)
        assert resp.status == 404
        assert_openai_error(await resp.json())
        assert resp.headers["x-request-id"]


async def test_wrong_method_is_405_in_openai_shape(echo_proxy):
    resp = await echo_proxy.get("/v1/chat/completions", headers=AUTH)
    assert resp.status == 405
    assert_openai_error(await resp.json())
    assert "POST" in resp.headers["Allow"]

"""Every failure is one OpenAI-shaped error with the right status, and carries x-request-id."""
from __future__ import annotations

import pytest

from tests.support import AUTH, assert_openai_error, chat


async def test_invalid_json_is_400(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", data=b'{"model": "echo-1",',
                                 headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 400
    err = assert_openai_error(await resp.json(), code="invalid_json")
    assert err["type"] == "invalid_request_error"
    assert resp.headers["x-request-id"]


async def test_body_that_is_not_utf8_is_400(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", data=b'{"model": "\xff\xfe"}',
                                 headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="invalid_json")


async def test_body_that_is_not_an_object_is_400(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", json=[1, 2], headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json())


async def test_missing_field_names_the_param(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", json={"model": "echo-1"}, headers=AUTH)
    assert resp.status == 400
    err = assert_openai_error(await resp.json(), param="messages")
    assert "messages" in err["message"]


async def test_invalid_field_names_the_param(echo_proxy):
    body = chat("echo-1")
    body["messages"][0]["role"] = "robot"
    resp = await echo_proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 400
    err = assert_openai_error(await resp.json())
    assert err["param"] == "messages.0.role"
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", stream="sometimes"), headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="stream")


async def test_unknown_model_is_404_naming_known_models(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("gpt-4o"), headers=AUTH)
    assert resp.status == 404
    err = assert_openai_error(await resp.json(), code="model_not_found", param="model")
    assert "gpt-4o" in err["message"]
    # The names it offers are ones this proxy really serves (the closest to what was asked).
    offered = err["message"].rpartition("include: ")[2].rstrip(".").split(", ")
    listed = {m["id"] for m in (await (await echo_proxy.get("/v1/models", headers=AUTH)).json())["data"]}
    assert offered and set(offered) <= listed, (offered, err["message"])


async def test_body_over_limit_is_413(make_proxy, echo_routes, echo_plugin):
    client = await make_proxy(plugins=(echo_plugin,), max_body_bytes=1024)
    resp = await client.post("/v1/chat/completions", json=chat("echo-1", "x" * 4096), headers=AUTH)
    assert resp.status == 413
    assert_openai_error(await resp.json(), code="request_too_large")
    # A body under the limit still works.
    resp = await client.post("/v1/chat/completions", json=chat("echo-1", "ok"), headers=AUTH)
    assert resp.status == 200


async def test_plugin_crash_is_500_with_request_id_and_no_traceback(echo_proxy, caplog):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "boom"), headers=AUTH)
    assert resp.status == 500
    request_id = resp.headers["x-request-id"]
    err = assert_openai_error(await resp.json())
    assert err["type"] == "server_error"
    assert request_id in err["message"]
    text = await resp.text()
    assert "Traceback" not in text and "RuntimeError" not in text and "exploded" not in text
    # The operator gets the traceback in the log, under the same request id.
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_plugin_crash_while_streaming_keeps_shape(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "boom", stream=True), headers=AUTH)
    assert resp.status == 500
    assert_openai_error(await resp.json())
    assert resp.headers["x-request-id"]


async def test_request_ids_are_unique(echo_proxy):
    ids = set()
    for _ in range(3):
        resp = await echo_proxy.get("/healthz")
        ids.add(resp.headers["x-request-id"])
    assert len(ids) == 3


async def test_stream_that_breaks_halfway_ends_with_an_error_event(echo_proxy):
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "halfway", stream=True), headers=AUTH)
    assert resp.status == 200, "the first chunk was already sent"
    text = await resp.text()
    assert "Traceback" not in text and "broke halfway" not in text
    events = [line[len("data: "):] for line in text.splitlines() if line.startswith("data: ")]
    import json
    errors = [json.loads(e) for e in events if e != "[DONE]" and "error" in json.loads(e)]
    assert errors, f"the client must learn the stream failed: {text!r}"
    assert_openai_error(errors[0])
    assert resp.headers["x-request-id"] in errors[0]["error"]["message"]


async def test_media_answer_streams_and_a_broken_one_cannot_pass_for_success(echo_proxy):
    import base64

    import aiohttp

    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "media"), headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    url = body["choices"][0]["message"]["content"][0]["video_url"]["url"]
    assert url.startswith("data:video/mp4;base64,")
    assert len(base64.b64decode(url.split(",", 1)[1])) == 800_000

    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "broken media"), headers=AUTH)
    assert resp.status == 200, "the headers were out before the download broke"
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()

"""Client keys guard every /v1/* route; /healthz is open."""
from __future__ import annotations

import pytest

from tests.support import CLIENT_KEY, assert_openai_error, chat

OTHER_KEY = "second-client-key-0002"


@pytest.fixture
async def keyed(make_proxy, echo_routes, echo_plugin):
    return await make_proxy(plugins=(echo_plugin,), api_keys=[CLIENT_KEY, OTHER_KEY])


@pytest.mark.parametrize("how", ["bearer", "x-api-key", "x-goog-api-key", "query"])
@pytest.mark.parametrize("key", [CLIENT_KEY, OTHER_KEY])
async def test_each_way_of_sending_a_key_works(keyed, how, key):
    headers, params = {}, {}
    if how == "bearer":
        headers["Authorization"] = f"Bearer {key}"
    elif how == "query":
        params["key"] = key
    else:
        headers[how] = key
    resp = await keyed.get("/v1/models", headers=headers, params=params)
    assert resp.status == 200, await resp.text()
    resp = await keyed.post("/v1/chat/completions", json=chat("echo-1", "ab"), headers=headers, params=params)
    assert resp.status == 200
    assert (await resp.json())["choices"][0]["message"]["content"] == "ba"


@pytest.mark.parametrize("how", ["bearer", "x-api-key", "x-goog-api-key", "query"])
async def test_wrong_key_is_401(keyed, how):
    wrong = CLIENT_KEY[:-1] + "X"
    headers, params = {}, {}
    if how == "bearer":
        headers["Authorization"] = f"Bearer {wrong}"
    elif how == "query":
        params["key"] = wrong
    else:
        headers[how] = wrong
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("GET", "/v1/unknown")):
        resp = await keyed.request(method, path, headers=headers, params=params, json=chat("echo-1"))
        assert resp.status == 401, (method, path)
        err = assert_openai_error(await resp.json(), code="invalid_api_key")
        assert err["type"] == "authentication_error"
        assert wrong not in err["message"]
        assert resp.headers["x-request-id"]


async def test_missing_key_is_401(keyed):
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Basic {CLIENT_KEY}"}):
        resp = await keyed.get("/v1/models", headers=headers)
        assert resp.status == 401
        assert_openai_error(await resp.json(), code="missing_api_key")


async def test_key_prefix_or_extension_is_rejected(keyed):
    for key in (CLIENT_KEY[:-1], CLIENT_KEY + "0", "", "ü" + CLIENT_KEY):
        resp = await keyed.get("/v1/models", params={"key": key})
        assert resp.status == 401, key


async def test_healthz_is_open_when_keys_are_configured(keyed):
    resp = await keyed.get("/healthz")
    assert resp.status == 200


async def test_no_configured_keys_means_open_on_loopback(make_proxy, echo_routes, echo_plugin):
    client = await make_proxy(plugins=(echo_plugin,), api_keys=[])
    resp = await client.get("/v1/models")
    assert resp.status == 200


def test_keys_are_compared_in_constant_time(monkeypatch):
    import hmac

    from proxy.http import middleware

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(middleware.hmac, "compare_digest", spy)
    assert middleware.key_matches(CLIENT_KEY, [OTHER_KEY, CLIENT_KEY, "third-key-0003"])
    assert len(calls) == 3, "every configured key is compared, whichever matches"
    assert not middleware.key_matches("nope", [CLIENT_KEY])

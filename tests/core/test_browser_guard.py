"""Issue 25.1 without a browser: the Host check and the cross-site check, and the settings that widen them."""
from __future__ import annotations

import pytest

from tests.support import chat


@pytest.fixture
async def proxy(make_proxy, echo_routes, echo_plugin):
    return await make_proxy(plugins=(echo_plugin,), api_keys=[], allowed_hosts=["genproxy.internal", ".corp.example"],
                            allowed_origins=["https://app.example.com"],
                            public_base_url="https://videos.example.org/")


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1", "[::1]:9", "10.0.0.7:8080", "genproxy.internal",
                                  "a.corp.example:443", "videos.example.org", "api.localhost"])
async def test_loopback_addresses_and_configured_hosts_are_answered(proxy, host):
    resp = await proxy.get("/v1/models", headers={"Host": host})
    assert resp.status == 200, await resp.text()


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8080", "genproxy.internal.attacker.example",
                                  "corp.example.attacker.example"])
async def test_other_host_names_are_refused(proxy, host):
    resp = await proxy.get("/v1/models", headers={"Host": host})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "host_not_allowed"
    assert (await proxy.get("/healthz", headers={"Host": host})).status == 200


@pytest.mark.parametrize("headers", [{"Origin": "http://127.0.0.1:9999"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}])
async def test_cross_site_browser_requests_are_refused(proxy, echo_plugin, headers):
    resp = await proxy.post("/v1/chat/completions", json=chat("echo-1", "ab"), headers=headers)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "cross_site_request"
    assert (await proxy.get("/v1/jobs", headers=headers)).status == 403


@pytest.mark.parametrize("headers", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                                     {"Origin": "https://app.example.com", "Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "https://videos.example.org", "Sec-Fetch-Site": "same-origin"}])
async def test_same_origin_trusted_origins_and_non_browser_clients_are_served(proxy, headers):
    resp = await proxy.post("/v1/chat/completions", json=chat("echo-1", "ab"), headers=headers)
    assert resp.status == 200, await resp.text()


async def test_the_page_of_the_proxy_itself_is_same_origin(proxy):
    port = proxy.server.port
    resp = await proxy.post("/v1/chat/completions", json=chat("echo-1", "ab"),
                            headers={"Origin": f"http://127.0.0.1:{port}", "Host": f"127.0.0.1:{port}"})
    assert resp.status == 200, await resp.text()


async def test_a_video_may_be_embedded_by_another_origin(proxy):
    # No such video: the answer is the handler's 404, not the guard's 403.
    resp = await proxy.get("/v1/videos/video_abc/content", headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status == 404

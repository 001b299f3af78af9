"""Client keys with identities: config forms, and the request keys the middleware sets for handlers."""
from __future__ import annotations

import pytest
from aiohttp import web

from proxy.config import ConfigError, load_settings
from proxy.hookspecs import hookimpl


class WhoAmI:
    @hookimpl
    def genproxy_web_routes(self):
        async def whoami(request):
            return web.json_response({"name": request["client_key_name"], "admin": request["is_admin"]})

        return [("GET", "/v1/whoami", whoami), ("GET", "/console/whoami", whoami)]


def test_plain_strings_objects_and_the_environment_mix():
    s = load_settings(None, environ={"GENPROXY_API_KEYS": "k-one,k-two"})
    assert [k.key for k in s.api_keys] == ["k-one", "k-two"] and all(k.name is None for k in s.api_keys)
    assert s.api_keys[0].label.startswith("key-") and "k-one" not in s.api_keys[0].label
    s = load_settings(None, environ={}, api_keys=["plain", {"key": "k2", "name": "team-a", "budget_usd": 5,
                                                            "budget_period": "day", "models": ["veo-*"]}])
    assert s.api_keys[1].label == "team-a" and s.api_keys[1].budget_period == "day"
    with pytest.raises(ConfigError, match="budget_period"):
        load_settings(None, environ={}, api_keys=[{"key": "k", "budget_period": "week"}])
    with pytest.raises(ConfigError, match="named 'x'"):
        load_settings(None, environ={}, api_keys=[{"key": "a", "name": "x"}, {"key": "b", "name": "x"}])
    with pytest.raises(ConfigError, match="webhook_secret"):
        load_settings(None, environ={}, webhook_secret="not-a-secret")


@pytest.fixture
async def whoami(make_proxy):
    return await make_proxy(plugins=(WhoAmI(),), api_keys=["plain-key-0000001", {"key": "named-key-00001",
                                                                                 "name": "design"}],
                            admin_keys=["admin-key-000001"])


@pytest.mark.parametrize("path", ["/v1/whoami", "/console/whoami"])
async def test_handlers_see_the_key_name_and_whether_it_is_admin(whoami, path):
    resp = await whoami.get(path, headers={"Authorization": "Bearer named-key-00001"})
    assert await resp.json() == {"name": "design", "admin": False}
    resp = await whoami.get(path, headers={"Authorization": "Bearer admin-key-000001"})
    body = await resp.json()
    assert body["admin"] is True and body["name"].startswith("key-") and "admin-key" not in body["name"]
    resp = await whoami.get(path, headers={"Authorization": "Bearer plain-key-0000001"})
    assert (await resp.json())["admin"] is False


async def test_without_client_keys_the_caller_is_an_admin(make_proxy):
    proxy = await make_proxy(plugins=(WhoAmI(),), api_keys=[])
    for path in ("/v1/whoami", "/console/whoami"):
        assert await (await proxy.get(path)).json() == {"name": "local", "admin": True}


def test_a_route_price_overrides_the_table_and_bad_prices_stop_start_up(tmp_path):
    from proxy.http.models import ChatCompletionRequest
    from proxy.money.pricing import estimate
    from proxy.routing.routes import RoutesError, RouteTable

    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n"
                    "  - {model: veo-cheap, modality: video, target: veo-3.1-generate-preview,\n"
                    "     price: {per_second: {720p: 0.01}, source: test}}\n"
                    "  - {model: veo-3.1-generate-preview, modality: video}\n")
    table = RouteTable.load(path, {"video"})
    body = ChatCompletionRequest.model_validate({"model": "x", "messages": [{"role": "user", "content": "a"}],
                                                 "video_config": {"duration_seconds": 8}})
    assert estimate(table.resolve("veo-cheap"), body, {"video"}).cost_usd == pytest.approx(0.08)
    assert estimate(table.resolve("veo-3.1-generate-preview"), body, {"video"}).cost_usd == pytest.approx(3.2)
    path.write_text("routes:\n  - {model: v, modality: video, price: {per_minute: 3}}\n")
    with pytest.raises(RoutesError, match="per_minute"):
        RouteTable.load(path, {"video"})

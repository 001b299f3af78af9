"""The API the console relies on: model limits on GET /v1/models/{id}, the admin endpoints, the static files."""
from __future__ import annotations

import configparser

import pytest

from tests.support import AUTH, REPO, assert_openai_error, chat


async def _model(proxy, name: str) -> dict:
    response = await proxy.get(f"/v1/models/{name}", headers=AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.mark.parametrize("name", ["veo-3.1-generate-preview", "veo-3.1-lite-generate-preview", "veo-3.0-generate-001",
                                  "vertex/veo-3.1-generate-001"])
async def test_every_refused_veo_combination_is_refused_by_the_api_with_the_same_message(proxy, name):
    limits = (await _model(proxy, name))["limits"]
    assert limits["type"] == "video" and limits["combinations"]
    for refused in limits["refused"]:
        config = {k: refused[k] for k in ("duration_seconds", "resolution", "aspect_ratio")}
        response = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(name, "a cat", video_config=config))
        assert response.status == 400, config
        error = assert_openai_error(await response.json(), param="video_config.resolution")
        assert error["message"] == refused["message"]
    offered = {(c["duration_seconds"], c["resolution"], c["aspect_ratio"]) for c in limits["combinations"]}
    refused = {(c["duration_seconds"], c["resolution"], c["aspect_ratio"]) for c in limits["refused"]}
    assert not offered & refused
    assert len(offered | refused) == len(limits["durations"]) * len(limits["resolutions"]) * len(limits["aspect_ratios"])


async def test_veo_limits_say_what_google_allows(proxy):
    veo31 = (await _model(proxy, "veo-3.1-generate-preview"))["limits"]
    assert veo31["durations"] == [4, 6, 8] and veo31["resolutions"] == ["720p", "1080p", "4k"]
    assert {"duration_seconds": 4, "resolution": "1080p", "aspect_ratio": "16:9"} not in veo31["combinations"]
    assert {"duration_seconds": 8, "resolution": "4k", "aspect_ratio": "9:16"} in veo31["combinations"]
    assert veo31["reference_images"] == 3 and veo31["reference_image_durations"] == [8] and veo31["extend"] is True
    # Veo 3.0 is shut down: its id is served by Veo 3.1 and carries Veo 3.1's limits
    veo30 = (await _model(proxy, "veo-3.0-generate-001"))["limits"]
    assert veo30["alias_of"] if "alias_of" in veo30 else veo30["resolutions"] == ["720p", "1080p", "4k"]
    lite = (await _model(proxy, "veo-3.1-lite-generate-preview"))["limits"]
    assert lite["extend"] is False and lite["reference_images"] == 0 and lite["resolutions"] == ["720p", "1080p"]
    assert (await _model(proxy, "vertex/veo-3.1-generate-001"))["limits"]["max_videos"] == 4


async def test_a_valid_combination_is_accepted(proxy):
    combo = {"duration_seconds": 6, "resolution": "720p", "aspect_ratio": "9:16"}
    assert combo in (await _model(proxy, "veo-3.1-generate-preview"))["limits"]["combinations"]
    response = await proxy.post("/v1/videos", headers=AUTH, json={"model": "veo-3.1-generate-preview", "prompt": "a cat",
                                                                  "seconds": 6, "size": "720x1280"})
    assert response.status == 200, await response.text()


async def test_route_defaults_and_retired_ids_carry_limits(proxy):
    fast = await _model(proxy, "veo-fast")
    assert fast["defaults"] == {"resolution": "720p", "duration_seconds": 8}
    assert fast["limits"]["durations"] == [4, 6, 8]
    retired = await _model(proxy, "veo-2.0-generate-001")
    assert retired["alias_of"] == "veo-3.1-generate-preview" and retired["limits"]["resolutions"] == ["720p", "1080p", "4k"]


async def test_omni_limits_match_what_translate_accepts(proxy):
    # gemini-omni-flash-preview is shut down (2026-09-30): served by gemini-omni-1.1-flash, with its limits
    limits = (await _model(proxy, "gemini-omni-flash-preview"))["limits"]
    assert limits == {"type": "omni", "durations": [4, 6, 8, 10], "resolutions": ["360p", "720p", "1080p", "4k"],
                      "aspect_ratios": ["16:9", "9:16"], "max_images": 10, "max_videos": 1, "edit": True,
                      # what OpenRouter's catalog (/api/v1/videos/models) reads from the same hook
                      "frame_images": [], "reference_images": 10, "seed": True, "generate_audio": False,
                      "continuation": True}
    response = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(
        "gemini-omni-flash-preview", "a boat", video_config={"duration_seconds": limits["durations"][-1] + 1}))
    assert response.status == 400
    assert_openai_error(await response.json(), param="video_config.duration_seconds")
    assert (await _model(proxy, "gemini-omni-1.2-flash"))["limits"]["resolutions"] == ["360p", "720p", "1080p", "4k"]


async def test_image_limits_match_what_translate_accepts(proxy):
    pro = (await _model(proxy, "gemini-3-pro-image"))["limits"]
    assert pro["type"] == "image" and "1:4" not in pro["aspect_ratios"] and pro["image_sizes"] == ["1K", "2K", "4K"]
    assert "1:4" in (await _model(proxy, "gemini-3.1-flash-image"))["limits"]["aspect_ratios"]
    response = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(
        "gemini-3-pro-image", "a cat", image_config={"aspect_ratio": "1:4"}))
    assert response.status == 400
    assert_openai_error(await response.json(), param="image_config.aspect_ratio")


async def test_text_models_have_no_limits(proxy):
    assert "limits" not in await _model(proxy, "gemini-3.8-flash")


async def test_admin_endpoints_refuse_a_client_key_that_is_not_an_admin_key(proxy):
    for path in ("/v1/admin/credentials", "/v1/admin/routes"):
        response = await proxy.get(path, headers=AUTH)
        assert response.status == 403
        assert_openai_error(await response.json(), code="admin_only")
    me = await (await proxy.get("/v1/admin/me", headers=AUTH)).json()
    assert me["is_admin"] is False
    assert (await proxy.get("/v1/admin/routes")).status == 401


async def test_an_open_proxy_is_its_owners_admin(make_proxy):
    proxy = await make_proxy(api_keys=[])
    assert (await (await proxy.get("/v1/admin/me")).json())["is_admin"] is True
    credentials = await (await proxy.get("/v1/admin/credentials")).json()
    [row] = credentials["data"]
    assert row["kind"] == "api_key" and row["state"] == "ready" and row["cooling_until"] is None
    assert "test-upstream-key" not in str(credentials)  # never a secret
    routes = await (await proxy.get("/v1/admin/routes")).json()
    veo = next(r for r in routes["data"] if r["model"] == "veo-3.1-generate-preview")
    assert veo["served_by"] == {"model": "veo-3.1-generate-preview", "upstream": "gemini",
                                "target": "veo-3.1-generate-preview", "why": None}
    assert veo["usable"] is True
    assert {"model": "veo-2.0-generate-001", "replaced_by": "veo-3.1-generate-preview"}.items() <= next(
        r for r in routes["retired"] if r["model"] == "veo-2.0-generate-001").items()


async def test_the_auth_middlewares_admin_flag_wins(proxy):
    """Where the auth middleware marks the request (admin keys), is_admin follows the mark."""
    from proxy.handlers.admin import is_admin

    class Request(dict):
        app = proxy.app

    assert is_admin(Request(is_admin=True)) is True
    assert is_admin(Request(is_admin=False)) is False
    assert is_admin(Request()) is False  # client keys are configured and no mark: not an admin


async def test_console_is_served_at_the_root_without_a_key(proxy):
    response = await proxy.get("/")
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    assert '<script type="module" src="/console/app.js">' in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    script = await proxy.get("/console/app.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    for bad in ("/console/..%2Fhandlers%2Fconsole.py", "/console/nothing.js", "/console/app.py"):
        assert (await proxy.get(bad)).status == 404, bad


def test_every_console_file_is_package_data():
    """The console ships in the wheel: every file type of proxy/console/ is in setup.cfg's package_data."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    patterns = config["options.package_data"]["proxy"]
    for path in (REPO / "proxy" / "console").iterdir():
        assert f"console/*{path.suffix}" in patterns, path.name


class MusicPlugin:
    """A third-party modality: its limits reach /v1/models/{id} without the core knowing what they mean."""

    @staticmethod
    def genproxy_modalities():
        return ["music"]

    @staticmethod
    def genproxy_model_limits(route):
        if route.modality != "music":
            return None
        return {"type": "music", "durations": [10, 30], "target": route.target}


async def test_a_plugins_limits_reach_the_model_object(make_proxy, routes_file):
    from proxy.hookspecs import hookimpl

    plugin = MusicPlugin()
    for name in ("genproxy_modalities", "genproxy_model_limits"):
        setattr(plugin, name, hookimpl(getattr(MusicPlugin, name)))
    routes_file.write_text(routes_file.read_text() + "  - {model: lyria-x, modality: music, target: lyria-002}\n")
    proxy = await make_proxy(plugins=(plugin,))
    body = await _model(proxy, "lyria-x")
    assert body["limits"] == {"type": "music", "durations": [10, 30], "target": "lyria-002"}
    assert (await _model(proxy, "veo-3.1-generate-preview"))["limits"]["type"] == "video"

"""Model families serve ids routes.yaml never named; the emulator switches from one Google to another while
genproxy runs, and genproxy follows (real sockets, the real app)."""
from __future__ import annotations

import copy

import aiohttp

from tests.support import AUTH, assert_openai_error, chat
from tests.video.helpers import SEED

ADMIN_KEY = "test-admin-key-0001"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
URL = "/v1/chat/completions"


def without(routes_file, *models: str) -> None:
    lines = routes_file.read_text().splitlines(keepends=True)
    routes_file.write_text("".join(line for line in lines if not any(f"model: {m}," in line for m in models)))


async def test_ids_google_offers_that_routes_yaml_never_named_are_served_by_their_family(make_proxy, routes_file):
    without(routes_file, "gemini-3.1-flash-lite-image", "gemini-4-carbon")
    proxy = await make_proxy(admin_keys=[ADMIN_KEY])
    before = {m["id"] for m in (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"]}
    assert "gemini-4-carbon" not in before  # not seen yet
    assert (await proxy.get("/v1/doctor?refresh=true", headers=ADMIN)).status == 200  # discovery
    models = {m["id"]: m for m in (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"]}
    assert models["gemini-3.1-flash-lite-image"]["modality"] == "image"
    assert models["gemini-4-carbon"]["modality"] == "text" and models["gemini-4-carbon"]["family"] == "gemini-text"

    image = await proxy.post(URL, headers=AUTH, json=chat("gemini-3.1-flash-lite-image", "a red cube",
                                                         modalities=["image", "text"],
                                                         image_config={"aspect_ratio": "1:1"}))
    assert image.status == 200, await image.text()
    assert (await image.json())["choices"][0]["message"]["images"][0]["image_url"]["url"].startswith("data:image/")
    text = await proxy.post(URL, headers=AUTH, json=chat("gemini-4-carbon", "hello"))
    assert text.status == 200, await text.text()
    assert (await text.json())["model"] == "gemini-4-carbon"

    unknown = await proxy.post(URL, headers=AUTH, json=chat("gemini4-carbon-x", "hello"))
    assert unknown.status == 404
    error = assert_openai_error(await unknown.json(), code="model_not_found", param="model")
    assert "gemini-4-carbon" in error["message"]


async def test_a_switch_of_googles_catalog_while_genproxy_runs(make_emulator, make_proxy):
    emulator = await make_emulator(catalog="2026-11")
    proxy = await make_proxy(admin_keys=[ADMIN_KEY], gemini_base_url=emulator.base_url,
                             vertex_base_url=emulator.base_url)
    seed = copy.deepcopy(SEED)
    first = await proxy.post(URL, json=seed, headers=AUTH)
    assert first.status == 200, await first.text()
    assert (await first.json())["model"] == "veo-3.1-generate-preview"  # Google still serves it in November

    async with aiohttp.ClientSession() as session:
        async with session.put(f"{emulator.base_url}/emulator/catalog", json={"catalog": "2026-12"}) as r:
            assert r.status == 200 and (await r.json())["snapshot"] == "2026-12"
        second = await proxy.post(URL, json=seed, headers=AUTH)
        assert second.status == 200, await second.text()
        assert (await second.json())["model"] == "gemini-omni-1.2-flash"  # learned from Google's 404

        async with session.put(f"{emulator.base_url}/emulator/catalog", json={"catalog": "2026-11"}) as r:
            assert r.status == 200
    report = await (await proxy.get("/v1/doctor?refresh=true", headers=ADMIN)).json()
    # November's Google does not offer the ids routes.yaml added in December: the verdict says so
    assert not report["ok"] and "cannot be served" in report["verdict"]
    assert {r["model"]: r for r in report["routes"]}["veo-3.1-generate-preview"]["status"] == "ok"
    third = await proxy.post(URL, json=seed, headers=AUTH)
    assert third.status == 200
    assert (await third.json())["model"] == "veo-3.1-generate-preview"  # discovery found it again


async def test_doctor_on_december_says_what_serves_the_retired_routes(make_proxy):
    proxy = await make_proxy(admin_keys=[ADMIN_KEY])
    report = await (await proxy.get("/v1/doctor?refresh=true", headers=ADMIN)).json()
    assert report["ok"], report["verdict"]
    rows = {r["model"]: r for r in report["routes"]}
    assert rows["veo-3.1-generate-preview"]["status"] == "replaced"
    assert rows["veo-3.1-generate-preview"]["target"] == "gemini-omni-1.2-flash"
    assert "no longer served on the Gemini API (discovery no longer finds it)" in rows["veo-3.1-generate-preview"]["detail"]
    assert report["verdict"].startswith("OK:") and "need credentials" in report["verdict"]
    # An id retired in routes.yaml whose replacement is gone too: the row says what serves it now.
    assert rows["veo-3.0-fast-generate-001"]["status"] == "replaced"
    assert rows["veo-3.0-fast-generate-001"]["target"] == "gemini-omni-1.2-flash"
    models = {m["id"]: m for m in (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"]}
    assert models["vertex/veo-3.1-generate-001"]["available"] is False  # no Vertex credentials: not offered
    assert models["veo-3.1-generate-preview"]["served_by"] == "gemini-omni-1.2-flash"


async def test_an_id_of_a_known_family_that_google_does_not_know_is_a_404_naming_live_ids(make_proxy, emulator):
    proxy = await make_proxy()
    resp = await proxy.post(URL, headers=AUTH, json=chat("gemini-9-imaginary-flash", "hi"))
    assert resp.status == 404
    error = assert_openai_error(await resp.json(), code="model_not_found", param="model")
    assert "Google does not offer it" in error["message"] and "Known models include: gemini-" in error["message"]
    resp = await proxy.post(URL, headers=AUTH, json=chat("gemini-9-imaginary-flash", "hi"))
    assert resp.status == 404  # never learned as "retired": it never existed
    assert not (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"][0].get("served_by")

"""genproxy doctor: what Google offers each credential, checked against every listed route."""
from __future__ import annotations

import json

import aiohttp
import pytest

from proxy.discovery import Doctor
from proxy.upstreams.registry import build_upstreams
from tests.core.test_cli import run
from tests.support import AUTH, UPSTREAM_KEY
from tests.upstreams.conftest import token_file


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(trust_env=False) as s:
        yield s


def doctor_for(registry, table, settings=None):
    """A doctor with the catalog (model families, what Google retired and what replaces it) when settings are given."""
    catalog = None
    if settings is not None:
        from proxy.catalog import ModelCatalog, Retirements
        from proxy.routing.plugins import build_plugin_manager

        families = [f for found in build_plugin_manager().hook.genproxy_model_families() for f in found or []]
        catalog = ModelCatalog(lambda: table, lambda: registry, families, Retirements(), settings)
    return Doctor(registry, table, lambda route: "predictLongRunning" if route.modality == "video" else None, catalog)


def load_table(settings):
    from proxy.routing.routes import RouteTable
    return RouteTable.load(settings.routes_file, {"text", "image", "video", "omni", "speech", "music"})


def by_model(report) -> dict:
    return {r.model: r for r in report.routes}


@pytest.fixture
async def emulator(make_emulator):
    """Google as of December 2026 (the shipped routes.yaml's era): the newest snapshot, as `doctor --emulator`."""
    return await make_emulator(catalog="2026-12")


async def test_doctor_is_green_against_the_emulator_and_lists_every_page(make_settings, session, emulator):
    settings = make_settings()
    registry = build_upstreams(settings, session)
    report = await doctor_for(registry, load_table(settings), settings).run()
    assert report.ok, report.problems()
    routes = by_model(report)
    # Google no longer offers the Veo 3.1 preview ids on the Gemini API: Gemini Omni serves them now
    assert routes["veo-3.1-lite-generate-preview"].status == "replaced"
    assert routes["veo-3.1-lite-generate-preview"].target == "gemini-omni-1.2-flash"
    assert routes["gemini-3-pro-image-preview"].alias_of == "gemini-3-pro-image"
    [key] = report.credentials
    assert key.status == "ok" and key.models >= 20
    # Pagination: a page size of 5 walks every page (nextPageToken) and finds the same models.
    paged = await registry.get("gemini").list_models(key.credential_id, page_size=5)
    pages = [r for r in emulator.state.requests if r.path == "/v1beta/models"]
    assert len(paged) == key.models and len(pages) >= 1 + -(-key.models // 5)


async def test_routes_google_does_not_offer_or_without_the_method_are_named(make_settings, make_emulator, session,
                                                                          routes_file):
    routes_file.write_text(routes_file.read_text() + "  - {model: my-veo-4, modality: video, target: veo-4.0-generate}\n"
                           "  - {model: talk-to-veo, modality: text, target: veo-3.1-generate-preview}\n")
    november = await make_emulator(catalog="2026-11")  # when the Gemini API still listed Veo 3.1 preview
    settings = make_settings(gemini_base_url=november.base_url)
    report = await doctor_for(build_upstreams(settings, session), load_table(settings)).run()
    routes = by_model(report)
    assert routes["my-veo-4"].status == "not_offered" and "veo-4.0-generate" in routes["my-veo-4"].detail
    assert routes["talk-to-veo"].status == "no_method" and "predictLongRunning" in routes["talk-to-veo"].detail
    assert not report.ok


async def test_a_refused_key_is_reported_without_its_secret(make_emulator, make_settings, session):
    emulator = await make_emulator(api_keys=[UPSTREAM_KEY])
    settings = make_settings(gemini_api_keys=["AIza-revoked-key-000"], gemini_base_url=emulator.base_url)
    report = await doctor_for(build_upstreams(settings, session), load_table(settings)).run()
    [key] = report.credentials
    assert key.status == "expired" and "API key not valid" in key.detail
    assert "AIza-revoked-key-000" not in json.dumps(report.as_dict())
    assert by_model(report)["veo-3.1-generate-preview"].status == "unavailable" and not report.ok


async def test_with_only_a_ccs_token_routes_are_checked_on_vertex(make_settings, session, tmp_path):
    token_file(tmp_path / "auth", name="gemini-a.json", access_token="ya29.ok", project_id="good-project")
    token_file(tmp_path / "auth", name="gemini-b.json", access_token="ya29.b", refresh_token="1//b",
               project_id="no-vertex-project")
    settings = make_settings(gemini_api_keys=[], vertex_project=None)
    registry = build_upstreams(settings, session)
    report = await doctor_for(registry, load_table(settings)).run()
    creds = {c.credential_id: c for c in report.credentials}
    assert creds["oauth:gemini-a.json"].status == "ok"
    assert creds["oauth:gemini-b.json"].status == "no_vertex"
    assert "has not been used in project no-vertex-project" in creds["oauth:gemini-b.json"].detail
    seed = by_model(report)["veo-3.1-generate-preview"]
    assert (seed.upstream, seed.target, seed.status) == ("vertex", "veo-3.1-generate-001", "ok")
    assert by_model(report)["gemini-omni-1.2-flash"].status == "no_credentials", "Omni needs an API key"
    assert report.ok, report.problems()
    assert "Vertex AI" in registry.placement_note()


async def test_the_proxy_checks_in_the_background_and_answers_v1_doctor(make_proxy, emulator):
    proxy = await make_proxy(discovery_at_startup=True, admin_keys=["doctor-admin-key-0009"])
    admin = {"Authorization": "Bearer doctor-admin-key-0009"}
    resp = await proxy.get("/v1/doctor", headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert body["ok"] is True
    assert any(r.path == "/v1beta/models" for r in emulator.state.requests), "the start-up check asked Google"
    # A rerun calls Google: an admin's, at most one per REFRESH_INTERVAL (issue 25.9).
    refused = await proxy.get("/v1/doctor?refresh=true", headers=AUTH)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "admin_required"
    asked = len(emulator.state.requests)
    resp = await proxy.get("/v1/doctor?refresh=true", headers=admin)
    assert (await resp.json())["checked_at"] >= body["checked_at"]
    again = await proxy.get("/v1/doctor?refresh=true", headers=admin)
    assert again.status == 429 and int(again.headers["Retry-After"]) > 0
    calls = len(emulator.state.requests)
    assert calls > asked
    for _ in range(5):
        assert (await proxy.get("/v1/doctor?refresh=true", headers=admin)).status == 429
    assert len(emulator.state.requests) == calls
    assert (await proxy.get("/v1/doctor")).status == 401


def test_genproxy_doctor_prints_a_table_and_exits_by_verdict(tmp_path):
    result = run(["doctor", "--emulator"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "veo-3.1-generate-preview" in result.stdout and "OK:" in result.stdout
    routes = tmp_path / "routes.yaml"
    from tests.support import REPO
    routes.write_text((REPO / "routes.yaml").read_text() + "  - {model: my-veo-4, modality: video, target: veo-4.0}\n")
    result = run(["doctor", "--emulator", "--routes", str(routes), "--json"], tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert not report["ok"]
    assert any(r["model"] == "my-veo-4" and r["status"] == "not_offered" for r in report["routes"])


def test_genproxy_doctor_without_credentials_says_not_ok_and_where_to_look(tmp_path):
    # What a newcomer runs beside `make serve`: this process has no credentials (the emulator's are the server's).
    result = run(["doctor"], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith("NOT OK: no route can be served"), verdict
    assert "genproxy doctor --emulator" in verdict and "GET /v1/doctor" in verdict
    assert " ok " not in result.stdout  # no row claims to be served

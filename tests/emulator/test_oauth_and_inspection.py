"""OAuth token endpoint and the request-recording inspection endpoints."""

from __future__ import annotations

from proxy.emulator import EMULATOR_STATE, EmulatorSettings, create_emulator_app

from .helpers import GEMINI, KEY, text_body


async def test_refresh_token_issues_usable_token(make_emulator, session):
    emu = await make_emulator(api_keys=["only-this"])
    url = f"{emu.base_url}/v1/projects/p/locations/global/publishers/google/models/{GEMINI}:generateContent"
    async with session.post(url, json=text_body("hi"), headers={"Authorization": "Bearer stale"}) as r:
        assert r.status == 401
    form = {"grant_type": "refresh_token", "refresh_token": "rt", "client_id": "c", "client_secret": "s"}
    async with session.post(f"{emu.base_url}/token", data=form) as r:
        assert r.status == 200
        tok = await r.json()
    assert tok["access_token"].startswith("emu-") and tok["expires_in"] == 3600
    assert tok["token_type"] == "Bearer" and tok["scope"]
    assert emu.state.token_refreshes == 1
    async with session.post(url, json=text_body("hi"), headers={"Authorization": f"Bearer {tok['access_token']}"}) as r:
        assert r.status == 200
    async with session.post(f"{emu.base_url}/token", data=form) as r:
        assert (await r.json())["access_token"] != tok["access_token"]
    assert emu.state.token_refreshes == 2


async def test_token_endpoint_errors(emulator, session):
    async with session.post(f"{emulator.base_url}/token", data={"grant_type": "refresh_token"}) as r:
        assert r.status == 400 and (await r.json())["error"] == "invalid_request"
    async with session.post(f"{emulator.base_url}/token",
                            data={"grant_type": "refresh_token", "refresh_token": "revoked-1"}) as r:
        assert r.status == 400 and (await r.json())["error"] == "invalid_grant"
    async with session.post(f"{emulator.base_url}/token", data={"grant_type": "password"}) as r:
        assert r.status == 400
    assert emulator.state.token_refreshes == 0


async def test_requests_are_recorded_and_cleared(emulator, session):
    url = f"{emulator.base_url}/v1beta/models/{GEMINI}:generateContent?foo=bar"
    async with session.post(url, json=text_body("recorded prompt"), headers=KEY) as r:
        assert r.status == 200
    async with session.get(f"{emulator.base_url}/v1beta/models", headers=KEY) as r:
        assert r.status == 200
    async with session.get(f"{emulator.base_url}/emulator/requests") as r:
        recorded = await r.json()
    assert [(q["method"], q["path"]) for q in recorded] == [
        ("POST", f"/v1beta/models/{GEMINI}:generateContent"), ("GET", "/v1beta/models")]
    first = recorded[0]
    assert first["query"] == {"foo": "bar"}
    assert {k.lower(): v for k, v in first["headers"].items()}["x-goog-api-key"] == "test-key"
    assert first["json"]["contents"][0]["parts"][0]["text"] == "recorded prompt"
    assert recorded[1]["json"] is None
    assert emulator.state.requests[0].json == first["json"]
    async with session.delete(f"{emulator.base_url}/emulator/requests") as r:
        assert r.status == 200
    assert emulator.state.requests == []
    async with session.get(f"{emulator.base_url}/emulator/requests") as r:
        assert await r.json() == []


async def test_state_clear_forgets_operations(emulator, session):
    from .helpers import submit_veo, veo_body

    name = await submit_veo(session, emulator, veo_body())
    assert name in emulator.state.operations
    emulator.state.clear()
    assert not emulator.state.operations and not emulator.state.requests
    async with session.get(f"{emulator.base_url}/v1beta/{name}", headers=KEY) as r:
        assert r.status == 404


async def test_in_process_app_with_aiohttp_client(aiohttp_client):
    app = create_emulator_app(EmulatorSettings(operation_delay=0, catalog="2026-11"))
    client = await aiohttp_client(app)
    r = await client.post(f"/v1beta/models/{GEMINI}:generateContent", json=text_body("in process"), headers=KEY)
    assert r.status == 200
    assert app[EMULATOR_STATE].requests[0].path.endswith(":generateContent")
    r = await client.get("/emulator/health")
    assert (await r.json())["status"] == "ok"


def test_settings_reject_unknown_faults():
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError):
        EmulatorSettings(faults=["not-a-fault"])
    assert EmulatorSettings().operation_delay == 2.0
    assert EmulatorSettings(faults=["delay=3", "quota"]).faults == ["delay=3", "quota"]

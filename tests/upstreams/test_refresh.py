"""OAuth refresh: single flight, atomic write-back in CCS's shape, revoked tokens, service accounts."""
from __future__ import annotations

import asyncio
import base64
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from proxy.credentials.oauth import parse_time
from proxy.http.errors import ApiError
from tests.upstreams.conftest import header, sent, token_file

TEXT = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}


async def test_hundred_concurrent_calls_on_an_expired_token_refresh_once(build, emulator, auth_dir):
    path = token_file(auth_dir, access_token="ya29.expired", expires_in=-60, note="kept by genproxy",
                      custom={"nested": [1, 2]})
    path.chmod(0o644)
    before = json.loads(path.read_text())
    ca = build().get("codeassist")

    replies = await asyncio.gather(*(ca.generate_content("gemini-3-flash-preview", TEXT) for _ in range(100)))

    assert len(replies) == 100 and all("candidates" in r for r in replies)
    assert emulator.state.token_refreshes == 1
    [grant] = sent(emulator, "/token")
    assert grant.json["grant_type"] == "refresh_token" and grant.json["refresh_token"] == "1//refresh-token-A"
    assert grant.json["client_id"] == "client-id-123.apps.googleusercontent.com"
    [new_token] = emulator.state.issued_tokens
    calls = sent(emulator, "/v1internal:generateContent")
    assert len(calls) == 100 and {header(c, "Authorization") for c in calls} == {f"Bearer {new_token}"}

    # Written back atomically, 0600, same shape: token fields and top level updated, the rest kept.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    after = json.loads(path.read_text())
    assert after["token"]["access_token"] == after["access_token"] == new_token
    assert after["refresh_token"] == after["token"]["refresh_token"] == "1//refresh-token-A"
    expiry = parse_time(after["token"]["expiry"])
    assert expiry == parse_time(after["expiry"])
    assert expiry > datetime.now(UTC) + timedelta(minutes=55)
    for key in ("type", "email", "project_id", "note", "custom"):
        assert after[key] == before[key]
    for key in ("token_type", "token_uri", "client_id", "client_secret", "scopes"):
        assert after["token"][key] == before["token"][key]
    assert [p.name for p in auth_dir.iterdir()] == [path.name]  # no temp file left behind


async def test_token_within_five_minutes_of_expiry_is_refreshed_first(build, emulator, auth_dir):
    token_file(auth_dir, access_token="ya29.almost-expired", expires_in=120)
    await build().get("codeassist").generate_content("gemini-3-flash-preview", TEXT)
    assert emulator.state.token_refreshes == 1
    [call] = sent(emulator, "/v1internal:generateContent")
    assert header(call, "Authorization") != "Bearer ya29.almost-expired"


async def test_valid_token_is_used_without_refresh(build, emulator, auth_dir):
    token_file(auth_dir, access_token="ya29.fresh", expires_in=3000)
    await build().get("codeassist").generate_content("gemini-3-flash-preview", TEXT)
    assert emulator.state.token_refreshes == 0
    assert header(sent(emulator, "/v1internal")[0], "Authorization") == "Bearer ya29.fresh"


async def test_revoked_token_fails_over_to_the_next_file(build, emulator, auth_dir):
    token_file(auth_dir, "a-revoked.json", access_token="ya29.old", refresh_token="revoked-xyz", expires_in=-1)
    token_file(auth_dir, "b-good.json", access_token="ya29.good", project_id="proj-b")
    ca = build().get("codeassist")
    for _ in range(2):
        await ca.generate_content("gemini-3-flash-preview", TEXT)
    calls = sent(emulator, "/v1internal:generateContent")
    assert [header(c, "Authorization") for c in calls] == ["Bearer ya29.good"] * 2
    assert len(sent(emulator, "/token")) == 1  # the revoked one is not retried on every request


async def test_revoked_token_alone_tells_the_user_to_sign_in_again(build, auth_dir):
    path = token_file(auth_dir, access_token="ya29.old", refresh_token="revoked-xyz", expires_in=-1)
    before = path.read_text()
    with pytest.raises(ApiError) as err:
        await build().get("codeassist").generate_content("gemini-3-flash-preview", TEXT)
    assert err.value.status == 502 and "invalid_grant" in err.value.message and "Sign in again" in err.value.message
    assert "revoked-xyz" not in err.value.message
    assert path.read_text() == before  # a failed refresh does not touch the file


async def test_service_account_gets_a_cloud_platform_token_for_vertex(build, emulator, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sa = tmp_path / "sa.json"
    sa.write_text(json.dumps({"type": "service_account", "project_id": "sa-project", "private_key_id": "kid1",
                              "private_key": pem, "client_email": "veo@sa-project.iam.gserviceaccount.com",
                              "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    vertex = build(vertex_service_account_file=sa, vertex_project="").get("vertex")
    body = {"instances": [{"prompt": "a cat"}], "parameters": {"durationSeconds": 8, "generateAudio": True}}
    op = await vertex.predict_long_running("veo-3.1-generate-001", body)
    assert op.name.startswith("projects/sa-project/") and op.credential_id == "sa:veo@sa-project.iam.gserviceaccount.com"
    [grant] = sent(emulator, "/token")
    assert grant.json["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = json.loads(base64.urlsafe_b64decode(grant.json["assertion"].split(".")[1] + "=="))
    assert claims["iss"] == "veo@sa-project.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
    [token] = emulator.state.issued_tokens
    assert header(sent(emulator, ":predictLongRunning")[0], "Authorization") == f"Bearer {token}"

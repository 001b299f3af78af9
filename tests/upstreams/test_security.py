"""Credentials go only to configured Google hosts; no secret in logs, error bodies or CLI output."""
from __future__ import annotations

import json
import logging

import pytest
from aioresponses import aioresponses

from proxy import keys
from proxy.cli import main as cli
from proxy.credentials import CredentialPool, api_key_credential
from proxy.http.errors import ApiError
from proxy.upstreams.gemini import GeminiUpstream
from tests.support import AUTH, CLIENT_KEY, chat
from tests.upstreams.conftest import token_file

KEY = "AIza-secret-download-key"
FILE = "https://generativelanguage.googleapis.com/v1beta/files/abc:download?alt=media"


def gemini(session) -> GeminiUpstream:
    return GeminiUpstream(session, CredentialPool("gemini", [api_key_credential(KEY)]),
                          "https://generativelanguage.googleapis.com")


def sent_headers(mocked, url_prefix: str) -> list[dict]:
    return [call.kwargs.get("headers") or {} for (method, url), calls in mocked.requests.items()
            if str(url).startswith(url_prefix) for call in calls]


def has_credentials(headers: dict) -> bool:
    return any(k.lower() in ("x-goog-api-key", "authorization") for k in headers)


@pytest.mark.parametrize("target", ["https://cdn.example.net/v.mp4?sig=abc",
                                    "https://video-downloads.googleusercontent.com/v.mp4?sig=abc",
                                    "https://storage.googleapis.com/bucket/v.mp4?sig=abc",
                                    "http://generativelanguage.googleapis.com/plain.mp4"])
async def test_redirect_to_another_host_carries_no_credentials(session, target):
    with aioresponses() as mocked:
        mocked.get(FILE, status=302, headers={"Location": target})
        mocked.get(target, body=b"\x00\x00\x00\x18ftypmp42", headers={"Content-Type": "video/mp4"})
        async with gemini(session).download(FILE) as download:
            data = b"".join([chunk async for chunk in download.chunks])
        assert data.endswith(b"ftypmp42")
        [first] = sent_headers(mocked, FILE.split("?")[0])
        [second] = sent_headers(mocked, target.split("?")[0])
    assert first.get("x-goog-api-key") == KEY
    assert not has_credentials(second), second


async def test_same_host_redirect_keeps_credentials(session):
    target = "https://generativelanguage.googleapis.com/v1beta/files/abc:media"
    with aioresponses() as mocked:
        mocked.get(FILE, status=307, headers={"Location": "/v1beta/files/abc:media"})
        mocked.get(target, body=b"bytes")
        async with gemini(session).download(FILE) as download:
            assert b"".join([c async for c in download.chunks]) == b"bytes"
        [second] = sent_headers(mocked, target)
    assert second.get("x-goog-api-key") == KEY


async def test_download_uri_on_a_foreign_host_gets_no_credentials(session):
    uri = "https://evil.example.com/v1beta/files/abc:download?alt=media"
    with aioresponses() as mocked:
        mocked.get(uri, body=b"x")
        async with gemini(session).download(uri) as download:
            [_ async for _ in download.chunks]
        [headers] = sent_headers(mocked, uri.split("?")[0])
    assert not has_credentials(headers)


def test_trusted_hosts(session):
    up = gemini(session)
    assert up.trusted("https://generativelanguage.googleapis.com/v1beta/x")
    assert up.trusted("https://us-central1-aiplatform.googleapis.com/v1/x")
    assert not up.trusted("https://googleapis.com.evil.net/x")
    assert not up.trusted("https://evil.net/?h=generativelanguage.googleapis.com")
    assert not up.trusted("http://storage.googleapis.com/x")  # no credentials in clear text
    assert not up.trusted("https://lh3.googleusercontent.com/x")


async def test_no_secret_in_logs_responses_or_cli_output(make_emulator, make_settings, aiohttp_client, routes_file,
                                                        auth_dir, caplog, capsys, monkeypatch):
    from proxy.app import create_app

    caplog.set_level(logging.DEBUG)
    good_key, bad_key = "AIza-good-key-0000000001", "AIza-bad-key-00000000002"
    emu = await make_emulator(api_keys=[good_key])
    with routes_file.open("a") as fh:
        fh.write("  - {model: ca/gemini-3-flash-preview, modality: text, upstream: codeassist, target: gemini-3-flash-preview}\n")
    expired = token_file(auth_dir, "a-expired.json", access_token="ya29.expired-access-0001",
                         refresh_token="1//refresh-secret-0001", expires_in=-5)
    token_file(auth_dir, "b-revoked.json", access_token="ya29.revoked-access-0002",
               refresh_token="revoked-refresh-secret-0002", expires_in=-5)
    base = dict(gemini_api_keys=[bad_key, good_key], gemini_base_url=emu.base_url, vertex_base_url=emu.base_url,
                codeassist_base_url=emu.base_url, token_uri=f"{emu.base_url}/token")
    client = await aiohttp_client(create_app(make_settings(**base)))

    bodies = []
    for body in (chat("gemini-3-flash-preview", "hi"), chat("gemini-3-flash-preview", "[emulate:quota] hi"),
                 chat("gemini-3-flash-preview", "hi again"), chat("ca/gemini-3-flash-preview", "hi"),
                 chat("ca/gemini-3-flash-preview", "hi", stream=True), chat("ca/gemini-3-flash-preview", "[emulate:server-error]"),
                 chat("gemini-3-flash-preview", "hi", stream=True)):
        resp = await client.post("/v1/chat/completions", json=body, headers=AUTH)
        bodies.append(f"{resp.status} {dict(resp.headers)} {await resp.text()}")
    statuses = [int(b.split()[0]) for b in bodies]
    assert 200 in statuses and 429 in statuses and 502 in statuses, bodies
    for path in ("/v1/models", "/healthz"):
        resp = await client.get(path, headers=AUTH)
        bodies.append(await resp.text())
    # Upstream calls the plugins do not make yet: Veo on Vertex with the refreshed token, and errors.
    registry = client.app[keys.UPSTREAMS]
    op = await registry.get("vertex").predict_long_running(
        "veo-3.1-generate-001", {"instances": [{"prompt": "a cat"}], "parameters": {"generateAudio": True}})
    await registry.get("vertex").get_operation("veo-3.1-generate-001", op.name, op.credential_id)
    with pytest.raises(ApiError) as err:
        await registry.get("gemini").predict_long_running("veo-3.1-generate-preview", {"instances": []})
    bodies.append(json.dumps(err.value.body()))

    monkeypatch.setenv("GENPROXY_AUTH_DIR", str(auth_dir))
    monkeypatch.setenv("GEMINI_API_KEY", f"{bad_key},{good_key}")
    assert cli.main(["credentials"]) == 0
    assert cli.main(["credentials", "--json"]) == 0
    out = capsys.readouterr()
    listed = json.loads(out.out[out.out.index("{"):])
    assert {c["id"] for c in listed["credentials"]} >= {"oauth:a-expired.json", "oauth:b-revoked.json"}
    assert "user@example.com" in out.out

    secrets = {good_key, bad_key, CLIENT_KEY, "ya29.expired-access-0001", "1//refresh-secret-0001",
               "ya29.revoked-access-0002", "revoked-refresh-secret-0002", "client-secret-XYZ",
               *emu.state.issued_tokens}
    assert emu.state.issued_tokens and json.loads(expired.read_text())["access_token"] in secrets
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    # The emulator is a test double that runs in this process; its own logs are not genproxy's.
    lines = [formatter.format(r) for r in caplog.records if not r.name.startswith("proxy.emulator")]
    assert any("refreshed the OAuth token" in line for line in lines)  # the capture does see genproxy's logs
    everything = "\n".join(lines + bodies + [out.out, out.err])
    leaked = [s for s in secrets if s in everything]
    assert leaked == []

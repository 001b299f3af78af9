"""Issue 14.5: the upstream's credentials go only to its exact origin (scheme, host and port)."""
from __future__ import annotations

import pytest
from aioresponses import aioresponses

from proxy.credentials import CredentialPool, api_key_credential
from proxy.upstreams.gemini import GeminiUpstream
from tests.hardening.fake_google import FakeGoogle
from tests.support import AUTH, UPSTREAM_KEY
from tests.video.helpers import video_request


def _carries_key(headers: dict) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    return "x-goog-api-key" in lowered or "authorization" in lowered or UPSTREAM_KEY in str(headers)


async def test_file_uri_on_the_upstream_host_but_another_port_gets_no_key(aiohttp_server, make_proxy):
    fake = FakeGoogle()
    upstream = await aiohttp_server(fake.upstream_app())
    files = await aiohttp_server(fake.file_app())
    assert upstream.host == files.host and upstream.port != files.port
    fake.video_uri = f"http://{files.host}:{files.port}/v1beta/files/abc:download?alt=media"
    proxy = await make_proxy(gemini_base_url=f"http://{upstream.host}:{upstream.port}")

    resp = await proxy.post("/v1/chat/completions", json=video_request(), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["choices"][0]["message"]["videos"][0]["bytes"] > 0
    assert len(fake.file_requests) == 1
    assert not _carries_key(fake.file_requests[0]), fake.file_requests[0]


async def test_file_uri_on_the_upstream_origin_still_gets_the_key(aiohttp_server, make_proxy):
    """The other side: the key still goes where it must (Google's files need it)."""
    fake = FakeGoogle()
    app = fake.upstream_app()
    app.add_subapp("/files/", fake.file_app())
    upstream = await aiohttp_server(app)
    fake.video_uri = f"http://{upstream.host}:{upstream.port}/files/abc:download?alt=media"
    proxy = await make_proxy(gemini_base_url=f"http://{upstream.host}:{upstream.port}")

    resp = await proxy.post("/v1/chat/completions", json=video_request(), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert fake.file_requests[0].get("x-goog-api-key") == UPSTREAM_KEY


@pytest.mark.parametrize("uri", ["http://generativelanguage.googleapis.com/v1beta/files/abc:download?alt=media",
                                 "https://generativelanguage.googleapis.com:8443/v1beta/files/abc:download",
                                 "https://storage.googleapis.com:444/bucket/v.mp4",
                                 "http://storage.googleapis.com/bucket/v.mp4"])
async def test_plain_http_or_another_port_of_googles_host_gets_no_key(session, uri):
    up = GeminiUpstream(session, CredentialPool("gemini", [api_key_credential("AIza-origin-key")]),
                        "https://generativelanguage.googleapis.com")
    assert not up.trusted(uri)
    with aioresponses() as mocked:
        mocked.get(uri, body=b"\x00\x00\x00\x18ftypmp42")
        async with up.download(uri) as download:
            [_ async for _ in download.chunks]
        [call] = [c for calls in mocked.requests.values() for c in calls]
    assert not _carries_key(call.kwargs.get("headers") or {})


def test_exact_origin_rules(session):
    up = GeminiUpstream(session, CredentialPool("gemini", [api_key_credential("k" * 10)]), "http://127.0.0.1:9000")
    assert up.trusted("http://127.0.0.1:9000/v1beta/files/x")
    assert not up.trusted("http://127.0.0.1:9001/v1beta/files/x")
    assert not up.trusted("https://127.0.0.1:9000/x")
    assert not up.trusted("http://127.0.0.1/x")
    assert not up.trusted("http://127.0.0.1:notaport/x")
    assert up.trusted("https://generativelanguage.googleapis.com:443/x")
    google = GeminiUpstream(session, CredentialPool("gemini", []), "https://generativelanguage.googleapis.com")
    assert google.trusted("https://generativelanguage.googleapis.com/v1beta/files/x")
    assert not google.trusted("http://generativelanguage.googleapis.com/v1beta/files/x")

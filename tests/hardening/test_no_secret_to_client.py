"""Issue 14.6: an upstream that echoes the credential it was sent (and its own URL) shows neither to a client."""
from __future__ import annotations

import pytest

from tests.hardening.fake_google import FakeGoogle
from tests.support import AUTH, UPSTREAM_KEY, chat
from tests.upstreams.conftest import token_file
from tests.video.helpers import video_request

ACCESS_TOKEN = "ya29.live-access-token-XYZ"
REFRESH_TOKEN = "1//live-refresh-token-XYZ"


@pytest.fixture(params=["api_key", "oauth_token"])
async def echoing(request, aiohttp_server, make_proxy, tmp_path):
    """(proxy, the secrets it holds, the upstream's internal address) with an upstream that echoes them."""
    fake = FakeGoogle(echo_credentials=True)
    upstream = await aiohttp_server(fake.upstream_app())
    base = f"http://{upstream.host}:{upstream.port}"
    if request.param == "api_key":
        proxy = await make_proxy(gemini_base_url=base)
        secrets = [UPSTREAM_KEY]
    else:
        token_file(tmp_path / "auth", access_token=ACCESS_TOKEN, refresh_token=REFRESH_TOKEN)
        # CCS tokens never go to the Gemini API: the gemini routes fall back to Vertex AI, here the same fake.
        proxy = await make_proxy(gemini_base_url=base, vertex_base_url=base, gemini_api_keys=[])
        secrets = [ACCESS_TOKEN, REFRESH_TOKEN]
    return proxy, secrets, base


def _assert_clean(text: str, secrets: list[str], base: str) -> None:
    for secret in secrets:
        assert secret not in text, text
    assert base not in text and "127.0.0.1" not in text, text


async def test_upstream_error_echoing_the_key_is_redacted(echoing):
    proxy, secrets, base = echoing
    resp = await proxy.post("/v1/chat/completions", json=chat("gemini-3-flash-preview"), headers=AUTH)
    text = await resp.text()
    assert resp.status == 400, text
    assert "API key not valid" in text and "[redacted]" in text  # Google's words stay, the secret goes
    _assert_clean(text, secrets, base)


async def test_streamed_and_native_errors_are_redacted(echoing):
    proxy, secrets, base = echoing
    resp = await proxy.post("/v1/chat/completions", json=chat("gemini-3-flash-preview", stream=True), headers=AUTH)
    _assert_clean(await resp.text(), secrets, base)
    resp = await proxy.post("/v1beta/models/gemini-3-flash-preview:generateContent", headers=AUTH,
                            json={"contents": [{"parts": [{"text": "hi"}]}]})
    text = await resp.text()
    assert resp.status == 400 and "API key not valid" in text
    _assert_clean(text, secrets, base)


async def test_failed_operation_echoing_the_key_is_redacted_in_the_job(echoing):
    proxy, secrets, base = echoing
    resp = await proxy.post("/v1/chat/completions", json=video_request(), headers=AUTH)
    text = await resp.text()
    assert resp.status == 502, text
    _assert_clean(text, secrets, base)
    listing = await (await proxy.get("/v1/videos", headers=AUTH)).json()
    [job] = listing["data"]
    assert job["status"] == "failed" and "API key not valid" in job["error"]["message"]
    _assert_clean(str(job), secrets, base)
    native = await proxy.get(f"/v1beta/models/veo-3.1-generate-preview/operations/{job['id']}", headers=AUTH)
    _assert_clean(await native.text(), secrets, base)

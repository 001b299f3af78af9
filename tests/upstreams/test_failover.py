"""Round-robin, cooldown after 429/401/403, failover to the next credential, 429 + Retry-After when all rest."""
from __future__ import annotations

import pytest
from aioresponses import aioresponses

from proxy.credentials import CredentialPool, api_key_credential
from proxy.http.errors import ApiError
from proxy.upstreams.gemini import GeminiUpstream
from tests.support import AUTH, chat
from tests.upstreams.conftest import header, sent

K1, K2 = "AIza-key-one-000001", "AIza-key-two-000002"


def text(prompt: str) -> dict:
    return {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}


def keys_used(emulator) -> list[str]:
    return [header(r, "x-goog-api-key") for r in sent(emulator, ":generateContent")]


async def test_round_robin_over_keys(build, emulator):
    gemini = build(gemini_api_keys=[K1, K2]).get("gemini")
    for i in range(4):
        await gemini.generate_content("gemini-3-flash-preview", text(f"hi {i}"))
    assert keys_used(emulator) == [K1, K2, K1, K2]


async def test_quota_on_one_key_fails_over_and_cools_it_down(build, emulator):
    gemini = build(gemini_api_keys=[K1, K2]).get("gemini")
    reply = await gemini.generate_content("gemini-3-flash-preview", text("[emulate:quota-once] first"))
    assert reply["candidates"]
    assert keys_used(emulator) == [K1, K2]  # K1 got 429, the same request went on with K2
    for i in range(3):  # K1 rests for Google's retryDelay (2 s): every call goes to K2
        await gemini.generate_content("gemini-3-flash-preview", text(f"next {i}"))
    assert keys_used(emulator)[2:] == [K2, K2, K2]
    [row] = [r for r in gemini.pool.describe() if r["id"] == api_key_credential(K1).id]
    assert list(row["models_cooling_until"]) == ["gemini-3-flash-preview"]  # that model's quota only


async def test_all_keys_cooling_gives_429_with_retry_after_and_no_upstream_call(build, emulator):
    gemini = build(gemini_api_keys=[K1, K2]).get("gemini")
    with pytest.raises(ApiError) as first:
        await gemini.generate_content("gemini-3-flash-preview", text("[emulate:quota] busy"))
    assert first.value.status == 429 and first.value.headers["Retry-After"] == "2"
    assert "You exceeded your current quota" in first.value.message  # Google's words kept
    assert "retry in 2 s" in first.value.message
    calls = len(emulator.state.requests)
    with pytest.raises(ApiError) as second:
        await gemini.generate_content("gemini-3-flash-preview", text("a normal prompt"))
    assert second.value.status == 429 and second.value.code == "rate_limit_exceeded"
    assert second.value.headers["Retry-After"] in ("1", "2") and "retry in" in second.value.message
    assert len(emulator.state.requests) == calls  # not sent: the pool answered at once


async def test_client_sees_429_with_retry_after_through_the_proxy(make_proxy, emulator):
    client = await make_proxy(gemini_api_keys=[K1, K2])
    resp = await client.post("/v1/chat/completions", json=chat("gemini-3-flash-preview", "[emulate:quota] x"), headers=AUTH)
    body = await resp.json()
    assert resp.status == 429, body
    assert resp.headers["Retry-After"] == "2"
    assert "retry in 2 s" in body["error"]["message"]


def test_backoff_without_retry_info_grows_is_capped_and_success_clears_it():
    now = [1000.0]
    key = api_key_credential("AIza-backoff-key")
    pool = CredentialPool("gemini", [key], clock=lambda: now[0])
    delays = []
    for _ in range(12):
        pool.report_quota(key, None)
        delays.append(pool.cooling_until(key) - now[0])
    assert delays[:3] == [2.0, 4.0, 8.0] and max(delays) == 300.0
    with pytest.raises(ApiError) as err:
        pool.pick()
    assert err.value.status == 429 and err.value.headers["Retry-After"] == "300"
    now[0] += 301
    assert pool.pick() is key
    pool.report_success(key)  # no sticky state: the next 429 starts the backoff again
    pool.report_quota(key, None)
    assert pool.cooling_until(key) - now[0] == 2.0


async def test_refused_key_is_taken_out_and_the_next_one_serves(make_emulator, make_settings, session):
    from proxy.upstreams.registry import build_upstreams

    emu = await make_emulator(api_keys=[K2])
    settings = make_settings(gemini_api_keys=[K1, K2], gemini_base_url=emu.base_url)
    gemini = build_upstreams(settings, session).get("gemini")
    for i in range(3):
        await gemini.generate_content("gemini-3-flash-preview", text(f"p{i}"))
    assert keys_used(emu) == [K1, K2, K2, K2]  # K1 (API_KEY_INVALID) tried once, then rests 30 min
    [row] = [r for r in gemini.pool.describe() if r["id"] == api_key_credential(K1).id]
    assert row["reason"] == "auth"

    only_bad = build_upstreams(make_settings(gemini_api_keys=[K1], gemini_base_url=emu.base_url), session).get("gemini")
    with pytest.raises(ApiError) as err:
        await only_bad.generate_content("gemini-3-flash-preview", text("p"))
    assert err.value.status == 400 and "API key not valid" in err.value.message


GOOGLE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-3-flash-preview:generateContent"


def google_error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


def service_disabled(message: str) -> dict:
    """A 403 that blames the credential's project (google.api.ErrorReason SERVICE_DISABLED)."""
    body = google_error(403, "PERMISSION_DENIED", message)
    body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                                 "domain": "googleapis.com"}]
    return body


async def test_403_fails_over_and_when_all_refuse_the_client_gets_403(session):
    pool = CredentialPool("gemini", [api_key_credential(K1), api_key_credential(K2)])
    gemini = GeminiUpstream(session, pool, "https://generativelanguage.googleapis.com")
    with aioresponses() as mocked:
        mocked.post(GOOGLE, status=403, payload=service_disabled("Project has no access."))
        mocked.post(GOOGLE, payload={"candidates": [{"content": {"parts": [{"text": "ok"}]}}]})
        reply = await gemini.generate_content("gemini-3-flash-preview", text("x"))
        assert reply["candidates"][0]["content"]["parts"][0]["text"] == "ok"
        calls = [c.kwargs["headers"]["x-goog-api-key"] for c in mocked.requests[("POST", next(iter(mocked.requests))[1])]]
    assert calls == [K1, K2]
    assert not pool.is_ready(pool.all()[0]) and pool.cooling_until(pool.all()[0]) > 0

    pool2 = CredentialPool("gemini", [api_key_credential(K1), api_key_credential(K2)])
    gemini2 = GeminiUpstream(session, pool2, "https://generativelanguage.googleapis.com")
    with aioresponses() as mocked:
        for _ in range(2):
            mocked.post(GOOGLE, status=403, payload=service_disabled("Project has no access."))
        with pytest.raises(ApiError) as err:
            await gemini2.generate_content("gemini-3-flash-preview", text("x"))
    assert err.value.status == 403 and err.value.type == "permission_denied"
    assert "Project has no access." in err.value.message and "PERMISSION_DENIED" in err.value.message


@pytest.mark.parametrize("body", [
    google_error(403, "PERMISSION_DENIED", "You do not have permission to access the File abc or it may not exist."),
    {"error": {"code": 403, "message": "Permission denied on gs://other-bucket/v.mp4", "status": "PERMISSION_DENIED",
               "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED"}]}},
])
async def test_a_403_caused_by_the_request_goes_back_and_cools_no_credential(session, body):
    # Issue 25.4: a client could name another project's file and take every credential offline for 30 minutes.
    pool = CredentialPool("gemini", [api_key_credential(K1), api_key_credential(K2)])
    gemini = GeminiUpstream(session, pool, "https://generativelanguage.googleapis.com")
    with aioresponses() as mocked:
        mocked.post(GOOGLE, status=403, payload=body)
        with pytest.raises(ApiError) as err:
            await gemini.generate_content("gemini-3-flash-preview", text("x"))
        assert len(next(iter(mocked.requests.values()))) == 1  # not tried again with the other key
    assert err.value.status == 403
    assert all(pool.is_ready(c) for c in pool.all()) and all(r["cooling_until"] is None for r in pool.describe())


@pytest.mark.parametrize("reason", ["API_KEY_INVALID", "API_KEY_EXPIRED", "BILLING_DISABLED", "CONSUMER_SUSPENDED"])
async def test_a_refusal_of_the_credential_cools_it(session, reason):
    pool = CredentialPool("gemini", [api_key_credential(K1), api_key_credential(K2)])
    gemini = GeminiUpstream(session, pool, "https://generativelanguage.googleapis.com")
    body = google_error(400 if reason.startswith("API_KEY") else 403, "INVALID_ARGUMENT", "refused")
    body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]
    with aioresponses() as mocked:
        mocked.post(GOOGLE, status=body["error"]["code"], payload=body)
        mocked.post(GOOGLE, payload={"candidates": [{"content": {"parts": [{"text": "ok"}]}}]})
        await gemini.generate_content("gemini-3-flash-preview", text("x"))
    assert not pool.is_ready(pool.all()[0]) and pool.is_ready(pool.all()[1])


async def test_quota_of_one_model_leaves_the_other_models_of_the_key_in_service(build, emulator):
    gemini = build(gemini_api_keys=[K1]).get("gemini")
    with pytest.raises(ApiError) as err:
        await gemini.generate_content("gemini-3-flash-preview", text("[emulate:quota] busy"))
    assert err.value.status == 429
    reply = await gemini.generate_content("gemini-3.1-pro-preview", text("another model"))  # same key, other quota
    assert reply["candidates"]
    with pytest.raises(ApiError) as again:  # the cooled pair is not even sent
        await gemini.generate_content("gemini-3-flash-preview", text("a normal prompt"))
    assert again.value.status == 429 and again.value.code == "rate_limit_exceeded"
    [row] = gemini.pool.describe()
    assert row["cooling_until"] is None and list(row["models_cooling_until"]) == ["gemini-3-flash-preview"]


async def test_streaming_fails_over_before_the_first_event(build, emulator):
    gemini = build(gemini_api_keys=[K1, K2]).get("gemini")
    events = [e async for e in gemini.stream_generate_content("gemini-3-flash-preview", text("[emulate:quota-once] s"))]
    assert events and all("candidates" in e for e in events)
    assert [header(r, "x-goog-api-key") for r in sent(emulator, ":streamGenerateContent")] == [K1, K2]

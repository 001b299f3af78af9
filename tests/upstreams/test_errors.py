"""Google errors as OpenAI-shaped errors that keep Google's message and status."""
from __future__ import annotations

import pytest
from aioresponses import aioresponses

from proxy.credentials import CredentialPool, api_key_credential
from proxy.http.errors import ApiError
from proxy.upstreams.gemini import GeminiUpstream

URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-3-flash-preview:generateContent"
BODY = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def upstream(session) -> GeminiUpstream:
    pool = CredentialPool("gemini", [api_key_credential("AIza-errors-key")])
    return GeminiUpstream(session, pool, "https://generativelanguage.googleapis.com", timeout=5)


@pytest.mark.parametrize("status,google_status,message,expected,etype,code", [
    (400, "INVALID_ARGUMENT", "Unknown name \"foo\": Cannot find field.", 400, "invalid_request_error", "invalid_argument"),
    (403, "PERMISSION_DENIED", "Generative Language API has not been used in project 1.", 403, "permission_denied",
     "permission_denied"),
    (404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta.", 404, "invalid_request_error", "not_found"),
    (429, "RESOURCE_EXHAUSTED", "Quota exceeded for metric.", 429, "rate_limit_error", "rate_limit_exceeded"),
    (500, "INTERNAL", "An internal error has occurred.", 502, "upstream_error", "upstream_error"),
    (503, "UNAVAILABLE", "The model is overloaded. Please try again later.", 502, "upstream_error", "upstream_error"),
    (401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", 502, "upstream_error",
     "upstream_unauthenticated"),
])
async def test_google_error_mapping(session, status, google_status, message, expected, etype, code):
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}] if status == 429 else []
    with aioresponses() as mocked:
        mocked.post(URL, status=status, payload={"error": {"code": status, "message": message,
                                                           "status": google_status, "details": details}})
        with pytest.raises(ApiError) as err:
            await upstream(session).generate_content("gemini-3-flash-preview", BODY)
    e = err.value
    assert (e.status, e.type, e.code) == (expected, etype, code)
    assert message in e.message and google_status in e.message
    if status == 429:
        assert e.headers["Retry-After"] == "17"


async def test_timeout_is_504(session):
    with aioresponses() as mocked:
        mocked.post(URL, exception=TimeoutError())
        with pytest.raises(ApiError) as err:
            await upstream(session).generate_content("gemini-3-flash-preview", BODY)
    assert err.value.status == 504 and err.value.code == "upstream_timeout"


async def test_non_json_error_body_keeps_its_text(session):
    with aioresponses() as mocked:
        mocked.post(URL, status=502, body="<html>Bad Gateway</html>")
        with pytest.raises(ApiError) as err:
            await upstream(session).generate_content("gemini-3-flash-preview", BODY)
    assert err.value.status == 502 and "Bad Gateway" in err.value.message


async def test_unexpected_redirect_on_an_api_call_is_not_followed(session):
    with aioresponses() as mocked:
        mocked.post(URL, status=302, headers={"Location": "https://evil.example.com/steal"})
        with pytest.raises(ApiError) as err:
            await upstream(session).generate_content("gemini-3-flash-preview", BODY)
        assert not any("evil" in str(url) for _, url in mocked.requests)
    assert err.value.status == 502 and err.value.code == "upstream_redirect"


async def test_emulator_errors_reach_the_client_with_googles_message(build):
    gemini = build().get("gemini")
    with pytest.raises(ApiError) as err:
        await gemini.generate_content("no-such-model-xyz", BODY)
    assert err.value.status == 404 and "NOT_FOUND" in err.value.message
    with pytest.raises(ApiError) as err:
        await gemini.predict_long_running("veo-3.1-generate-preview", {"instances": [{"prompt": "x"}],
                                                                        "parameters": {"durationSeconds": 5}})
    assert err.value.status == 400 and "INVALID_ARGUMENT" in err.value.message
    with pytest.raises(ApiError) as err:
        await gemini.generate_content("gemini-3-flash-preview", {"contents": [{"role": "user", "parts": [
            {"text": "[emulate:malformed]"}]}]})
    assert err.value.status == 502 and err.value.code == "upstream_bad_reply"


def test_a_scope_refusal_of_a_ccs_token_says_what_to_do_instead():
    import json as _json

    from proxy.upstreams.errors import google_error

    raw = _json.dumps({"error": {"code": 403, "status": "PERMISSION_DENIED",
                                 "message": "Request had insufficient authentication scopes.",
                                 "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                              "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}]}}).encode()
    err = google_error("gemini", 403, raw)
    assert err.status == 403 and err.type == "permission_denied"
    assert "insufficient authentication scopes" in err.message and "vertex" in err.message

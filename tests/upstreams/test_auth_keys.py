"""Gemini API auth keys (``AQ.`` prefix, the only new keys since September 2026; ai.google.dev/gemini-api/docs/api-key,
shared/docs/google-2026-12.md section 3): sent as x-goog-api-key, accepted by the emulator, redacted in any case."""
from __future__ import annotations

import logging

from proxy.ops.redact import REDACTED, RedactSecrets, scrub
from tests.support import AUTH, chat

AUTH_KEY = "AQ.Ab8RN6LqP3xZk2mVt9WcYdE4hJ7sN1uFoGbIa5Qr0TyXe"


async def test_an_auth_key_works_end_to_end(make_emulator, make_proxy):
    emulator = await make_emulator(api_keys=[AUTH_KEY])
    proxy = await make_proxy(gemini_api_keys=[AUTH_KEY], gemini_base_url=emulator.base_url)
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat("gemini-3-flash-preview", "hi there"))
    body = await resp.json()
    assert resp.status == 200, body
    assert body["choices"][0]["message"]["content"] == "Echo: hi there"
    (call,) = emulator.state.requests_to(":generateContent")
    headers = {k.lower(): v for k, v in call.headers.items()}
    assert headers["x-goog-api-key"] == AUTH_KEY
    assert "authorization" not in headers and "key" not in call.query
    assert AUTH_KEY not in str(body)


async def test_the_emulator_refuses_an_auth_key_it_does_not_know(make_emulator, make_proxy):
    emulator = await make_emulator(api_keys=["AQ.some-other-key-000000000000"])
    proxy = await make_proxy(gemini_api_keys=[AUTH_KEY], gemini_base_url=emulator.base_url)
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat("gemini-3-flash-preview"))
    body = await resp.json()
    assert resp.status in (400, 502), body
    assert AUTH_KEY not in str(body)


def test_keys_are_redacted_in_any_letter_case():
    text = f"key={AUTH_KEY} lower={AUTH_KEY.lower()} upper={AUTH_KEY.upper()} other=AQ.not-this-one"
    cleaned = scrub(text, [AUTH_KEY])
    assert AUTH_KEY.lower() not in cleaned.lower()
    assert cleaned.count(REDACTED) == 3 and "AQ.not-this-one" in cleaned

    record = logging.LogRecord("genproxy", logging.WARNING, __file__, 1, "sent %s", (AUTH_KEY.lower(),), None)
    RedactSecrets(lambda: [AUTH_KEY]).filter(record)
    assert record.getMessage() == f"sent {REDACTED}"

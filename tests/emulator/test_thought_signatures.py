"""Gemini 3 thought signatures in the emulator: signed function calls, and Google's 400 without them."""

from __future__ import annotations

import pytest

from .helpers import KEY

GEMINI3 = "gemini-3-flash-preview"
TOOLS = [{"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}]


async def generate(session, emu, body, model=GEMINI3):
    async with session.post(f"{emu.base_url}/v1beta/models/{model}:generateContent", json=body, headers=KEY) as r:
        return r.status, await r.json()


def history(call_part: dict, *earlier: dict) -> dict:
    return {"tools": TOOLS, "contents": [
        *earlier,
        {"role": "user", "parts": [{"text": "weather in Paris?"}]},
        {"role": "model", "parts": [call_part]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}}]},
    ]}


CALL = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}


async def test_gemini_3_function_calls_are_signed(emulator, session):
    status, body = await generate(session, emulator, {"tools": TOOLS, "contents": [
        {"role": "user", "parts": [{"text": "weather? [emulate:tool]"}]}]})
    assert status == 200
    [part] = body["candidates"][0]["content"]["parts"]
    assert part["functionCall"]["name"] == "get_weather" and part["thoughtSignature"]


async def test_unsigned_function_call_of_the_current_turn_is_refused(emulator, session):
    status, body = await generate(session, emulator, history(CALL))
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert body["error"]["message"].startswith("Function call is missing a thought_signature in functionCall parts.")
    assert "`default_api:get_weather` , position 2." in body["error"]["message"]


@pytest.mark.parametrize("signature", ["c29tZS1zaWduYXR1cmU=", "skip_thought_signature_validator",
                                       "context_engineering_is_the_way_to_go"])
async def test_signed_or_dummy_function_call_is_accepted(emulator, session, signature):
    status, body = await generate(session, emulator, history({**CALL, "thoughtSignature": signature}))
    assert status == 200, body


async def test_earlier_turns_are_not_checked(emulator, session):
    earlier = [{"role": "user", "parts": [{"text": "before"}]}, {"role": "model", "parts": [CALL]},
               {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {}}}]},
               {"role": "model", "parts": [{"text": "It is mild."}]}]
    status, body = await generate(session, emulator, history({**CALL, "thoughtSignature": "c2ln"}, *earlier))
    assert status == 200, body

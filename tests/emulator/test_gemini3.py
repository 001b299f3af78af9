"""Gemini 3 rules: thought signatures in function-calling histories, thinkingLevel vs thinkingBudget."""

from __future__ import annotations

import pytest

from .helpers import GEMINI, KEY, text_body

TOOLS = [{"functionDeclarations": [{"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}]


async def generate(session, emu, body):
    async with session.post(f"{emu.base_url}/v1beta/models/{GEMINI}:generateContent", json=body, headers=KEY) as r:
        return r.status, await r.json()


def history(call_part: dict) -> dict:
    return {"tools": TOOLS, "contents": [
        {"role": "user", "parts": [{"text": "weather in Paris?"}]},
        {"role": "model", "parts": [call_part]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp": 20}}}]},
    ]}


async def test_function_call_reply_is_signed_and_echo_is_accepted(emulator, session):
    body = text_body("weather in Paris? [emulate:tool]")
    body["tools"] = TOOLS
    status, reply = await generate(session, emulator, body)
    assert status == 200
    part = reply["candidates"][0]["content"]["parts"][0]
    assert part["functionCall"]["name"] == "get_weather" and part["thoughtSignature"]
    status, _ = await generate(session, emulator, history(part))  # echoed back as received
    assert status == 200


async def test_streamed_function_call_is_signed(emulator, session):
    body = text_body("weather? [emulate:tool]")
    body["tools"] = TOOLS
    async with session.post(f"{emulator.base_url}/v1beta/models/{GEMINI}:streamGenerateContent?alt=sse",
                            json=body, headers=KEY) as r:
        raw = (await r.read()).decode()
    assert '"functionCall"' in raw and '"thoughtSignature"' in raw


async def test_history_without_signature_is_400(emulator, session):
    status, body = await generate(session, emulator, history({"functionCall": {"name": "get_weather",
                                                                                "args": {"city": "Paris"}}}))
    assert status == 400
    error = body["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("Function call is missing a thought_signature in functionCall parts.")
    assert "function call `default_api:get_weather` , position 2." in error["message"]


@pytest.mark.parametrize("signature", ["context_engineering_is_the_way_to_go", "skip_thought_signature_validator"])
async def test_documented_dummy_signatures_are_accepted(emulator, session, signature):
    part = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": signature}
    status, _ = await generate(session, emulator, history(part))
    assert status == 200


async def test_only_the_current_turn_and_first_parallel_call_need_a_signature(emulator, session):
    unsigned = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    signed = {**unsigned, "thoughtSignature": "context_engineering_is_the_way_to_go"}
    body = history(unsigned)  # an older turn, closed by a new user question
    body["contents"] += [{"role": "model", "parts": [{"text": "20 degrees"}]},
                         {"role": "user", "parts": [{"text": "and in Rome?"}]},
                         {"role": "model", "parts": [signed, unsigned]},  # parallel calls
                         {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {}}},
                                                    {"functionResponse": {"name": "get_weather", "response": {}}}]}]
    status, reply = await generate(session, emulator, body)
    assert status == 200, reply


async def test_thinking_level_and_budget(emulator, session):
    status, _ = await generate(session, emulator, text_body("hi", thinkingConfig={"thinkingLevel": "low"}))
    assert status == 200
    status, _ = await generate(session, emulator, text_body("hi", thinkingConfig={"thinkingBudget": 1024}))
    assert status == 200
    status, body = await generate(session, emulator, text_body(
        "hi", thinkingConfig={"thinkingLevel": "high", "thinkingBudget": 1024}))
    assert status == 400
    assert body["error"]["message"] == "You can only set only one of thinking budget and thinking level."
    status, body = await generate(session, emulator, text_body("hi", thinkingConfig={"thinkingLevel": "extreme"}))
    assert status == 400 and "thinking_level" in body["error"]["message"]

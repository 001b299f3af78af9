"""The 'text' plugin end to end: client -> proxy (create_app) -> emulator, both sides asserted."""
from __future__ import annotations

import base64
import json

import aiohttp
import pytest

from plugins.gemini_chat.thinking import level_for
from tests.plugins.helpers import last_body, post, upstream_calls
from tests.support import assert_openai_error, chat

MODEL = "gemini-3-flash-preview"
PNG_1PX = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                  "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


async def test_plain_chat_reply_usage_and_upstream_body(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "hello there"))
    assert status == 200, body
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "Echo: hello there", "refusal": None}
    assert choice["logprobs"] is None
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 0}
    assert upstream_calls(emulator)[-1].path == f"/v1beta/models/{MODEL}:generateContent"
    assert last_body(emulator) == {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]}


async def test_messages_system_developer_roles_and_merging(proxy, emulator):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
        {"role": "user", "content": "first"},
        {"role": "user", "content": [{"type": "text", "text": "second"},
                                     {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_1PX}"}}]},
        {"role": "assistant", "content": "ok"},
        {"role": "assistant", "content": "more"},
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                                     {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=",
                                                               "filename": "a.pdf"}},
                                     {"type": "text", "text": "last"}]},
    ]
    status, body = await post(proxy, {"model": MODEL, "messages": messages})
    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "Echo: last"
    sent = last_body(emulator)
    assert sent["systemInstruction"] == {"parts": [{"text": "Be brief."}, {"text": "Answer in English."}]}
    assert sent["contents"] == [
        {"role": "user", "parts": [{"text": "first"}, {"text": "second"},
                                   {"inlineData": {"mimeType": "image/png", "data": PNG_1PX}}]},
        {"role": "model", "parts": [{"text": "ok"}, {"text": "more"}]},
        {"role": "user", "parts": [{"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
                                   {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                                   {"text": "last"}]},
    ]


async def test_parameters_map_to_generation_config(proxy, emulator):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"],
              "additionalProperties": False}
    status, body = await post(proxy, chat(
        MODEL, "params", temperature=0.3, top_p=0.8, max_completion_tokens=200, max_tokens=999, stop="END",
        seed=7, presence_penalty=0.5, frequency_penalty=-0.5, user="u1", metadata={"k": "v"}, store=False,
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": True}}))
    assert status == 200, body
    assert last_body(emulator)["generationConfig"] == {
        "temperature": 0.3, "topP": 0.8, "seed": 7, "presencePenalty": 0.5, "frequencyPenalty": -0.5,
        "maxOutputTokens": 200, "stopSequences": ["END"], "responseMimeType": "application/json",
        "responseJsonSchema": schema}

    status, body = await post(proxy, chat(MODEL, "json", max_tokens=50, stop=["a", "b"],
                                          response_format={"type": "json_object"}))
    assert status == 200, body
    assert last_body(emulator)["generationConfig"] == {"maxOutputTokens": 50, "stopSequences": ["a", "b"],
                                                       "responseMimeType": "application/json"}


async def test_max_tokens_finish_reason_length(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "a long answer please", max_tokens=2))
    assert status == 200, body
    assert body["choices"][0]["finish_reason"] == "length"
    assert last_body(emulator)["generationConfig"] == {"maxOutputTokens": 2}


async def test_reasoning_effort_gives_reasoning_content_and_tokens(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "think", reasoning_effort="low"))
    assert status == 200, body
    message = body["choices"][0]["message"]
    assert message["content"] == "Echo: think"
    assert "The user asked: think" in message["reasoning_content"]
    reasoning = body["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0 and body["usage"]["completion_tokens"] > reasoning
    # Gemini 3 and later take a thinking level, not a token budget (ai.google.dev/gemini-api/docs/thinking)
    assert last_body(emulator)["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "LOW", "includeThoughts": True}}

    status, body = await post(proxy, chat("gemini-3.1-pro-preview", "think", reasoning_effort="high"))
    assert status == 200, body
    assert last_body(emulator)["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "HIGH", "includeThoughts": True}}


@pytest.mark.parametrize(("model", "effort", "level"), [
    # Google's table of levels per model (plugins/gemini_chat/thinking.py): each effort reaches the model's
    # level of that name, else the nearest one the model has.
    ("gemini-3-flash-preview", "minimal", "MINIMAL"), ("gemini-3-flash-preview", "medium", "MEDIUM"),
    ("gemini-3-flash-preview", "none", "MINIMAL"), ("gemini-3.1-pro-preview", "medium", "MEDIUM"),
    ("gemini-3.1-pro-preview", "minimal", "LOW"),
])
async def test_reasoning_effort_reaches_the_models_own_levels(proxy, emulator, model, effort, level):
    status, body = await post(proxy, chat(model, "think", reasoning_effort=effort))
    assert status == 200, body
    assert last_body(emulator)["generationConfig"]["thinkingConfig"]["thinkingLevel"] == level


def test_gemini_3_pro_has_no_minimal_nor_medium():
    assert [level_for(e, "gemini-3-pro-image") for e in ("minimal", "low", "medium", "high")] == \
        ["LOW", "LOW", "HIGH", "HIGH"]
    assert level_for("minimal", "gemini-3.8-flash") == "LOW" and level_for("medium", "gemini-3.8-flash") == "MEDIUM"


async def test_the_emulator_refuses_a_level_the_model_lacks(emulator):
    async with aiohttp.ClientSession() as session, session.post(
            f"{emulator.base_url}/v1beta/models/gemini-3.1-pro-preview:generateContent",
            headers={"x-goog-api-key": "k"},
            json={"contents": [{"parts": [{"text": "x"}]}],
                  "generationConfig": {"thinkingConfig": {"thinkingLevel": "MINIMAL"}}}) as resp:
        assert resp.status == 400
        assert "MINIMAL" in (await resp.json())["error"]["message"]


async def test_tools_round_trip(proxy, emulator):
    tools = [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    status, body = await post(proxy, chat(MODEL, "weather in Paris? [emulate:tool]", tools=tools,
                                          tool_choice="required"))
    assert status == 200, body
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "example"}
    sent = last_body(emulator)
    assert sent["tools"] == [{"functionDeclarations": [{
        "name": "get_weather", "description": "Weather of a city",
        "parametersJsonSchema": tools[0]["function"]["parameters"]}]}]
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}

    # The tool result goes back in a later turn, as a functionResponse after the functionCall.
    messages = [{"role": "user", "content": "weather in Paris?"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 21}'},
                {"role": "user", "content": "thanks"}]
    status, body = await post(proxy, {"model": MODEL, "messages": messages, "tools": tools,
                                      "tool_choice": {"type": "function", "function": {"name": "get_weather"}}})
    assert status == 200, body
    # A forced function (mode ANY) is called again: Google's model "is constrained to always predict a
    # function call" in that mode (ai.google.dev/gemini-api/docs/function-calling#function_calling_modes).
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    sent = last_body(emulator)
    # Gemini 3 signed the call; genproxy remembered the signature and puts it back (the client dropped it).
    signature = sent["contents"][1]["parts"][0].pop("thoughtSignature")
    assert signature and signature != "skip_thought_signature_validator"
    assert sent["contents"] == [
        {"role": "user", "parts": [{"text": "weather in Paris?"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "example"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp_c": 21}}},
                                   {"text": "thanks"}]},
    ]
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}


async def test_unsupported_and_unknown_parameters_are_400_before_upstream(proxy, emulator):
    for extra, param, code in ((dict(logprobs=True), "logprobs", "unsupported_parameter"),
                               (dict(logit_bias={"1": 2}), "logit_bias", "unsupported_parameter"),
                               (dict(max_token=5), "max_token", "unknown_parameter"),
                               (dict(temperature=3), "temperature", "invalid_value"),
                               (dict(stop=["1", "2", "3", "4", "5", "6"]), "stop", "invalid_value"),
                               (dict(reasoning_effort="extreme"), "reasoning_effort", "invalid_value"),
                               (dict(reasoning_effort=["high"]), "reasoning_effort", "invalid_value"),
                               (dict(tool_choice="required"), "tool_choice", "invalid_value"),
                               (dict(image_config={"aspect_ratio": "1:1"}), "image_config", "unknown_parameter")):
        status, body = await post(proxy, chat(MODEL, "x", **extra))
        assert status == 400, (extra, body)
        assert_openai_error(body, code=code, param=param)
    status, body = await post(proxy, {"model": MODEL, "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:text/html;base64,PGI+"}}]}]})
    assert status == 400
    assert_openai_error(body, param="messages[0].content[0].image_url.url")
    # harmless OpenAI fields and logprobs=false are accepted
    status, body = await post(proxy, chat(MODEL, "x", logprobs=False, user="me", service_tier="auto"))
    assert status == 200, body
    assert len(upstream_calls(emulator)) == 1


async def test_safety_finish_and_blocked_prompt(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "bad [emulate:safety]"))
    assert status == 200, body
    assert body["choices"][0]["finish_reason"] == "content_filter"
    assert body["choices"][0]["message"]["content"] is None

    status, body = await post(proxy, chat(MODEL, "worse [emulate:blocked]"))
    assert status == 400
    error = assert_openai_error(body, code="content_filter")
    assert "SAFETY" in error["message"]


async def test_n_becomes_candidate_count(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "two please", n=2))
    assert status == 200, body
    assert last_body(emulator)["generationConfig"] == {"candidateCount": 2}
    # The emulator answers one candidate whatever candidateCount says.
    assert body["choices"][0]["message"]["content"] == "Echo: two please"


async def test_upstream_errors_keep_their_status(proxy, emulator):
    status, body = await post(proxy, chat(MODEL, "x [emulate:quota]"))
    assert status == 429
    assert_openai_error(body, code="rate_limit_exceeded")


async def test_several_candidates_become_several_choices():
    from plugins import gemini_chat

    reply = {"candidates": [
        {"index": 1, "finishReason": "MAX_TOKENS", "content": {"role": "model", "parts": [{"text": "b"}]}},
        {"index": 0, "finishReason": "STOP", "content": {"role": "model", "parts": [{"text": "a"}]}}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5}}
    first, second = gemini_chat.completions(reply)
    assert (first.message["content"], first.finish_reason) == ("a", "stop")
    assert (second.message["content"], second.finish_reason) == ("b", "length")
    assert first.usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5,
                           "completion_tokens_details": {"reasoning_tokens": 0}}

"""The anthropic Python SDK (messages.create, messages.stream, count_tokens, tools) against genproxy's
Anthropic Messages API on Gemini models, at /v1 and under CCS's /api/provider/<provider>."""
from __future__ import annotations

import anthropic
import pytest

from tests.support import AUTH, CLIENT_KEY

TEXT = "gemini-3-flash-preview"
WEATHER = {"name": "get_weather", "description": "Weather of a city",  # "$schema" as Claude Code sends it
           "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                            "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@pytest.fixture
async def client(proxy):
    async with anthropic.AsyncAnthropic(base_url=str(proxy.make_url("/")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        yield sdk


def generate_calls(emulator) -> list[tuple[str, dict]]:
    return [(r.path, r.json) for r in emulator.state.requests if "GenerateContent" in r.path or
            ":generateContent" in r.path]


async def test_create_with_system_prompt(client, emulator):
    message = await client.messages.create(model=TEXT, max_tokens=300, system="Answer briefly.",
                                           messages=[{"role": "user", "content": "hello there"}])
    assert message.type == "message" and message.role == "assistant" and message.model == TEXT
    assert [b.type for b in message.content] == ["text"] and message.content[0].text == "Echo: hello there"
    assert message.stop_reason == "end_turn" and message.usage.output_tokens > 0
    (_, sent), = generate_calls(emulator)
    assert sent["systemInstruction"]["parts"] == [{"text": "Answer briefly."}]
    assert sent["generationConfig"]["maxOutputTokens"] == 300


async def test_claude_model_names_map_to_gemini(client, emulator):
    """routes.yaml's claude-* aliases: Claude Code's default model ids are served by Gemini models."""
    for name, target in (("claude-opus-5-5", "gemini-3.1-pro-preview"), ("claude-haiku-4-5-20251001", TEXT)):
        async with client.messages.stream(model=name, max_tokens=128000,
                                          messages=[{"role": "user", "content": "hi"}]) as stream:
            message = await stream.get_final_message()
        assert message.model == name
        path, sent = generate_calls(emulator)[-1]
        assert f"/models/{target}:" in path
        assert sent["generationConfig"]["maxOutputTokens"] == 65536  # Gemini's limit, not Claude's


async def test_thinking_blocks(client):
    message = await client.messages.create(model=TEXT, max_tokens=2000, thinking={"type": "enabled",
                                                                                  "budget_tokens": 1024},
                                           messages=[{"role": "user", "content": "think"}])
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert "The user asked: think" in message.content[0].thinking and message.content[0].signature
    # Claude Code's adaptive thinking with display omitted: Gemini thinks, no thinking block comes back.
    message = await client.messages.create(model=TEXT, max_tokens=2000,
                                           thinking={"type": "adaptive", "display": "omitted"},
                                           messages=[{"role": "user", "content": "think"}])
    assert [b.type for b in message.content] == ["text"]
    # The beta SDK's "between_tools" thinking (anthropic 2.17) is served like adaptive, not refused.
    beta = await client.beta.messages.create(model=TEXT, max_tokens=2000, thinking={"type": "between_tools"},
                                             messages=[{"role": "user", "content": "think"}])
    assert [b.type for b in beta.content] == ["thinking", "text"]


async def test_tools_and_tool_results(client, emulator):
    first = await client.messages.create(model=TEXT, max_tokens=500, tools=[WEATHER],
                                         tool_choice={"type": "any"},
                                         messages=[{"role": "user", "content": "weather in Paris? [emulate:tool]"}])
    assert first.stop_reason == "tool_use"
    (use,) = first.content
    assert use.type == "tool_use" and use.name == "get_weather" and use.input == {"city": "example"}
    second = await client.messages.create(model=TEXT, max_tokens=500, tools=[WEATHER], messages=[
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"},
                                     {"type": "text", "text": "thanks"}]}])
    assert second.content[0].text == "Echo: thanks"
    _, sent = generate_calls(emulator)[-1]
    parts = [p for c in sent["contents"] for p in c["parts"]]
    assert {"name": "get_weather", "response": {"result": "sunny, 21 C"}} in [p.get("functionResponse") for p in parts]
    assert sent["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"] == {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


async def test_image_block(client, emulator):
    await client.messages.create(model=TEXT, max_tokens=100, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1PX}},
        {"type": "text", "text": "what is this?"}]}])
    _, sent = generate_calls(emulator)[-1]
    assert {"inlineData": {"mimeType": "image/png", "data": PNG_1PX}} in sent["contents"][0]["parts"]


async def test_stream(client):
    async with client.messages.stream(model=TEXT, max_tokens=100,
                                      messages=[{"role": "user", "content": "stream me"}]) as stream:
        pieces = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert len(pieces) > 1 and "".join(pieces) == "Echo: stream me"
    assert final.content[0].text == "Echo: stream me" and final.stop_reason == "end_turn"
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0


async def test_stream_of_a_tool_use(client):
    async with client.messages.stream(model=TEXT, max_tokens=100, tools=[WEATHER],
                                      messages=[{"role": "user", "content": "weather? [emulate:tool]"}]) as stream:
        final = await stream.get_final_message()
    assert final.stop_reason == "tool_use" and final.content[0].input == {"city": "example"}


async def test_stream_error_is_an_error_event(client):
    with pytest.raises(anthropic.APIStatusError) as err:
        async with client.messages.stream(model=TEXT, max_tokens=100, messages=[
                {"role": "user", "content": "break [emulate:stream-error]"}]) as stream:
            async for _ in stream.text_stream:
                pass
    assert err.value.body["error"]["type"] == "api_error"


async def test_count_tokens(client, emulator):
    counted = await client.messages.count_tokens(model=TEXT, system="a system prompt",
                                                 messages=[{"role": "user", "content": "count these words"}])
    assert counted.input_tokens > 0
    (request,) = [r for r in emulator.state.requests if r.path.endswith(":countTokens")]
    inner = request.json["generateContentRequest"]
    assert inner["systemInstruction"]["parts"] == [{"text": "a system prompt"}]


async def test_ccs_path_with_auth_token(proxy, emulator):
    """CCS sets ANTHROPIC_BASE_URL=http://127.0.0.1:8317/api/provider/gemini and ANTHROPIC_AUTH_TOKEN."""
    async with anthropic.AsyncAnthropic(base_url=str(proxy.make_url("/api/provider/gemini")), auth_token=CLIENT_KEY,
                                        max_retries=0) as sdk:
        message = await sdk.messages.create(model=TEXT, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == "Echo: hi"


async def test_x_api_key_and_errors_in_anthropic_shape(proxy):
    body = {"model": TEXT, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    reply = await proxy.post("/v1/messages?beta=true", json=body, headers={"x-api-key": CLIENT_KEY,
                                                                           "anthropic-version": "2023-06-01"})
    assert reply.status == 200 and (await reply.json())["content"][0]["text"] == "Echo: hi"
    reply = await proxy.post("/v1/messages", json=body, headers={"x-api-key": "wrong"})
    assert reply.status == 401
    assert await reply.json() == {"type": "error", "error": {"type": "authentication_error",
                                                             "message": "Incorrect API key provided."}}
    reply = await proxy.post("/api/provider/gemini/v1/messages", json={**body, "model": "nope"}, headers=AUTH)
    assert reply.status == 404 and (await reply.json())["error"]["type"] == "not_found_error"
    reply = await proxy.post("/v1/messages", json={k: v for k, v in body.items() if k != "max_tokens"}, headers=AUTH)
    assert reply.status == 400 and (await reply.json())["error"]["type"] == "invalid_request_error"


async def test_claude_code_system_message_inside_messages(proxy, emulator):
    """Claude Code 2.1 sends a role: system message (its environment block) inside messages."""
    body = {"model": TEXT, "max_tokens": 100, "stream": False,
            "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"},
                       {"type": "text", "text": "You are Claude Code."}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]},
                         {"role": "system", "content": "# Environment\ncwd: /tmp"}],
            "thinking": {"type": "adaptive", "display": "omitted"}, "output_config": {"effort": "medium"},
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "metadata": {"user_id": "{}"}}
    reply = await proxy.post("/v1/messages?beta=true", json=body, headers=AUTH)
    assert reply.status == 200, await reply.text()
    _, sent = generate_calls(emulator)[-1]
    assert sent["systemInstruction"]["parts"] == [{"text": "You are Claude Code.\n\n# Environment\ncwd: /tmp"}]

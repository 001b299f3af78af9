"""The openai Python SDK's Responses API (responses.create, responses.stream, retrieve, delete) against
genproxy's POST /v1/responses on Gemini models: real app on a real socket, the emulator behind it."""
from __future__ import annotations

import base64
import json

import openai
import pytest
from pydantic import BaseModel

from tests.clients.helpers import png_size
from tests.support import AUTH, CLIENT_KEY

TEXT = "gemini-3-flash-preview"
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather of a city", "strict": False,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PNG_1PX = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
async def client(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        yield sdk


def generate_calls(emulator) -> list[dict]:
    return [r.json for r in emulator.state.requests if ":generateContent" in r.path or
            ":streamGenerateContent" in r.path]


def texts(content: dict) -> list[str]:
    return [p["text"] for p in content["parts"] if "text" in p]


async def test_text_input_with_instructions(client, emulator):
    reply = await client.responses.create(model=TEXT, input="hello there", instructions="Answer briefly.",
                                          max_output_tokens=200, metadata={"a": "b"})
    assert reply.object == "response" and reply.status == "completed" and reply.model == TEXT
    assert reply.output_text == "Echo: hello there"
    assert reply.usage.total_tokens > 0 and reply.usage.input_tokens_details.cached_tokens == 0
    (sent,) = generate_calls(emulator)
    assert texts(sent["systemInstruction"]) == ["Answer briefly."]
    assert sent["generationConfig"]["maxOutputTokens"] == 200


async def test_previous_response_id_carries_the_conversation(client, emulator):
    first = await client.responses.create(model=TEXT, input="my name is Ada")
    second = await client.responses.create(model=TEXT, input="what is my name?", previous_response_id=first.id)
    assert second.output_text == "Echo: what is my name?"
    sent = generate_calls(emulator)[-1]["contents"]
    assert [(c["role"], texts(c)) for c in sent] == [
        ("user", ["my name is Ada"]), ("model", ["Echo: my name is Ada"]), ("user", ["what is my name?"])]
    # Kept in the job store: GET answers the same response, DELETE removes it.
    fetched = await client.responses.retrieve(first.id)
    assert fetched.id == first.id and fetched.output_text == first.output_text
    await client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(first.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.create(model=TEXT, input="again", previous_response_id=first.id)


async def test_item_reference_names_an_earlier_output_item(client, emulator):
    """The AI SDK sends earlier assistant turns as {"type": "item_reference", "id": "msg_..."}."""
    first = await client.responses.create(model=TEXT, input="remember 42")
    message_id = first.output[-1].id
    await client.responses.create(model=TEXT, input=[
        {"role": "user", "content": [{"type": "input_text", "text": "remember 42"}]},
        {"type": "item_reference", "id": message_id},
        {"role": "user", "content": [{"type": "input_text", "text": "which number?"}]}])
    sent = generate_calls(emulator)[-1]["contents"]
    assert [c["role"] for c in sent] == ["user", "model", "user"]
    assert texts(sent[1]) == ["Echo: remember 42"]
    with pytest.raises(openai.BadRequestError) as err:
        await client.responses.create(model=TEXT, input=[{"type": "item_reference", "id": "msg_unknown"}])
    assert err.value.body["code"] == "item_not_found"


async def test_store_false_keeps_nothing(client):
    reply = await client.responses.create(model=TEXT, input="not kept", store=False)
    assert reply.store is False
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(reply.id)


async def test_function_tool_round_trip(client, emulator):
    reply = await client.responses.create(model=TEXT, input="weather in Paris? [emulate:tool]", tools=[WEATHER],
                                          tool_choice="required")
    (call,) = [item for item in reply.output if item.type == "function_call"]
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "example"}
    follow = await client.responses.create(model=TEXT, tools=[WEATHER], previous_response_id=reply.id, input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 21}'}])
    assert follow.status == "completed"
    sent = generate_calls(emulator)[-1]
    assert sent["tools"][0]["functionDeclarations"][0]["name"] == "get_weather"
    parts = [p for c in sent["contents"] for p in c["parts"]]
    assert any("functionCall" in p for p in parts)
    assert {"name": "get_weather", "response": {"temp_c": 21}} in [p.get("functionResponse") for p in parts]


async def test_tools_gemini_cannot_run_are_left_out(client, emulator):
    """Codex sends web_search and namespace tools with every request: they must not fail it."""
    reply = await client.responses.create(model=TEXT, input="hi", tools=[
        WEATHER, {"type": "web_search", "external_web_access": False},
        {"type": "namespace", "name": "multi_agent_v1", "description": "d", "tools": [WEATHER]}])
    assert reply.output_text == "Echo: hi"
    sent = generate_calls(emulator)[-1]
    assert [d["name"] for d in sent["tools"][0]["functionDeclarations"]] == ["get_weather"]


async def test_json_schema_text_format(client, emulator):
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
              "additionalProperties": False}
    await client.responses.create(model=TEXT, input="json please", text={
        "format": {"type": "json_schema", "name": "reply", "schema": schema, "strict": True}})
    config = generate_calls(emulator)[-1]["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["responseJsonSchema"] == schema


class Person(BaseModel):
    name: str
    age: int


async def test_parse_into_a_pydantic_model(client, emulator):
    """responses.parse sends the model's strict JSON schema and parses Gemini's JSON answer back."""
    reply = await client.responses.parse(model=TEXT, input="Invent a person.", text_format=Person)
    assert isinstance(reply.output_parsed, Person)
    config = generate_calls(emulator)[-1]["generationConfig"]
    assert config["responseJsonSchema"]["required"] == ["name", "age"]


async def test_reasoning_effort_returns_a_reasoning_item(client, emulator):
    reply = await client.responses.create(model=TEXT, input="think", reasoning={"effort": "low", "summary": "auto"})
    assert [item.type for item in reply.output] == ["reasoning", "message"]
    assert "The user asked: think" in reply.output[0].summary[0].text
    assert reply.usage.output_tokens_details.reasoning_tokens > 0
    assert generate_calls(emulator)[-1]["generationConfig"]["thinkingConfig"]["includeThoughts"] is True


async def test_image_input(client, emulator):
    await client.responses.create(model=TEXT, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "what is this?"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{PNG_1PX}", "detail": "auto"}]}])
    parts = generate_calls(emulator)[-1]["contents"][0]["parts"]
    assert {"inlineData": {"mimeType": "image/png", "data": PNG_1PX}} in parts


async def test_image_generation_tool_on_a_gemini_image_model(client, emulator):
    reply = await client.responses.create(model=TEXT, input="a red fox",
                                          tools=[{"type": "image_generation", "size": "1536x1024"}])
    (image,) = [item for item in reply.output if item.type == "image_generation_call"]
    assert image.status == "completed"
    width, height = png_size(base64.b64decode(image.result))
    assert (width, height) == (1264, 848)  # Google's 3:2 at 1K
    assert ":generateContent" in [r for r in emulator.state.requests if "image" in r.path][-1].path


async def test_streamed_image_generation(client):
    events = [event async for event in await client.responses.create(
        model=TEXT, input="a red fox", tools=[{"type": "image_generation"}], stream=True)]
    done = [e.item for e in events if e.type == "response.output_item.done"]
    (image,) = [item for item in done if item.type == "image_generation_call"]
    assert png_size(base64.b64decode(image.result))[0] > 0
    assert "response.image_generation_call.completed" in [e.type for e in events]


async def test_stream_helper_gets_the_final_response(client):
    kinds = []
    async with client.responses.stream(model=TEXT, input="stream me") as stream:
        async for event in stream:
            kinds.append(event.type)
        final = await stream.get_final_response()
    assert final.output_text == "Echo: stream me" and final.status == "completed"
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds


async def test_stream_of_a_function_call(client):
    events = [event async for event in await client.responses.create(
        model=TEXT, input="weather? [emulate:tool]", tools=[WEATHER], stream=True)]
    numbers = [e.sequence_number for e in events]
    assert numbers == list(range(len(numbers)))
    done = [e.item for e in events if e.type == "response.output_item.done"]
    assert [i.type for i in done] == ["function_call"] and done[0].status == "completed"
    assert events[-1].response.output[0].call_id == done[0].call_id


async def test_stream_error_after_start_is_response_failed(client):
    events = [event async for event in await client.responses.create(
        model=TEXT, input="break [emulate:stream-error]", stream=True)]
    assert events[-1].type == "response.failed"
    assert events[-1].response.error.message


async def test_errors_are_openai_shaped(proxy):
    reply = await proxy.post("/v1/responses", json={"model": "no-such-model", "input": "x"}, headers=AUTH)
    assert reply.status == 404 and (await reply.json())["error"]["code"] == "model_not_found"
    reply = await proxy.post("/v1/responses", json={"model": TEXT, "input": "x", "background": True}, headers=AUTH)
    assert reply.status == 400 and (await reply.json())["error"]["param"] == "background"
    reply = await proxy.post("/v1/responses", json={"model": TEXT, "input": "x"})
    assert reply.status == 401
    reply = await proxy.post("/v1/responses", json={"model": "veo-3.1-generate-preview", "input": "x"}, headers=AUTH)
    assert reply.status == 400 and (await reply.json())["error"]["code"] == "model_not_supported"


async def test_stored_responses_on_both_job_store_backends(make_proxy, jobs_db):
    """kept_objects on SQLite and PostgreSQL: keep, recall, delete; another key sees nothing."""
    proxy = await make_proxy(jobs_db=jobs_db, api_keys=[CLIENT_KEY, "other-key-0002"])
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        first = await sdk.responses.create(model=TEXT, input="keep me")
        follow = await sdk.responses.create(model=TEXT, input="next", previous_response_id=first.id)
        assert (await sdk.responses.retrieve(follow.id)).previous_response_id == first.id
        items = await proxy.get(f"/v1/responses/{follow.id}/input_items?order=asc", headers=AUTH)
        assert [i.get("role") for i in (await items.json())["data"]] == ["user", "assistant", "user"]
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key="other-key-0002",
                                  max_retries=0) as other:
        with pytest.raises(openai.NotFoundError):
            await other.responses.retrieve(first.id)
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        await sdk.responses.delete(first.id)
        with pytest.raises(openai.NotFoundError):
            await sdk.responses.retrieve(first.id)

"""Gemini 3 multi-turn tool calls from OpenAI clients that drop thought signatures.

The emulator answers Gemini 3 function calls with a thoughtSignature and refuses (400, as Google does)
a history whose function call lacks one; genproxy remembers each signature per client key and tool
call id in its job store and puts it back.
"""
from __future__ import annotations

import json

import openai
import pytest

from proxy.jobs.sqlite_store import SqliteJobStore
from tests.support import CLIENT_KEY

GEMINI3 = "gemini-3-flash-preview"
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
DUMMY = "skip_thought_signature_validator"


@pytest.fixture
def routes_file(tmp_path):
    """Routes of this test's own, so a change of the shipped catalog does not change what it tests."""
    path = tmp_path / "routes.yaml"
    path.write_text(f"routes:\n  - {{model: {GEMINI3}, modality: text, upstream: gemini}}\n"
                    "  - {model: gemini-3-pro-image, modality: image, upstream: gemini}\n")
    return path


def sdk(proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0)


def generate_calls(emulator, model: str = GEMINI3) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(f"/models/{model}:generateContent")
            or r.path.endswith(f"/models/{model}:streamGenerateContent")]


def bare(call_id: str, name: str, arguments: str) -> dict:
    """A tool call as a client that keeps only OpenAI's fields sends it back."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


async def ask_for_a_tool(client, stream: bool, model: str = GEMINI3) -> tuple[str, str, str, str | None]:
    """(call id, name, arguments, signature the client saw) of the tool call the model answers with."""
    messages = [{"role": "user", "content": "weather in Paris? [emulate:tool]"}]
    if not stream:
        reply = await client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
        assert reply.choices[0].finish_reason == "tool_calls"
        (call,) = reply.choices[0].message.tool_calls
        extra = (call.model_extra or {}).get("extra_content") or {}
        return call.id, call.function.name, call.function.arguments, extra.get("google", {}).get("thought_signature")
    call_id = name = signature = None
    arguments, finish = "", None
    async for chunk in await client.chat.completions.create(model=model, messages=messages, tools=TOOLS,
                                                            stream=True):
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                call_id = delta.id or call_id
                name = (delta.function.name if delta.function else None) or name
                arguments += (delta.function.arguments if delta.function else None) or ""
                extra = (delta.model_extra or {}).get("extra_content") or {}
                signature = extra.get("google", {}).get("thought_signature") or signature
    assert finish == "tool_calls"
    return call_id, name, arguments, signature


def follow_up(call: dict) -> list[dict]:
    return [{"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": json.dumps({"temp_c": 21})}]


def sent_call_part(request) -> dict:
    [model_turn] = [c for c in request.json["contents"] if c["role"] == "model"]
    [part] = [p for p in model_turn["parts"] if "functionCall" in p]
    return part


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
async def test_signature_put_back_when_the_client_drops_it(proxy, emulator, stream):
    async with sdk(proxy) as client:
        call_id, name, arguments, signature = await ask_for_a_tool(client, stream)
        assert signature  # the emulator, like Gemini 3, signed the call; genproxy passes it on as well
        messages = follow_up(bare(call_id, name, arguments))
        if stream:
            text = ""
            async for chunk in await client.chat.completions.create(model=GEMINI3, messages=messages, tools=TOOLS,
                                                                    stream=True):
                text += "".join(c.delta.content or "" for c in chunk.choices)
        else:
            text = (await client.chat.completions.create(model=GEMINI3, messages=messages,
                                                         tools=TOOLS)).choices[0].message.content
    assert text == "Echo: weather in Paris?"
    assert sent_call_part(generate_calls(emulator)[-1]) == {
        "functionCall": {"name": "get_weather", "args": {"city": "example"}}, "thoughtSignature": signature}


async def test_signature_survives_a_restart(make_proxy, emulator):
    first = await make_proxy()
    async with sdk(first) as client:
        call_id, name, arguments, signature = await ask_for_a_tool(client, stream=False)
    await first.close()

    second = await make_proxy()  # same data_dir, so the same job store
    async with sdk(second) as client:
        reply = await client.chat.completions.create(model=GEMINI3, tools=TOOLS,
                                                     messages=follow_up(bare(call_id, name, arguments)))
    assert reply.choices[0].message.content == "Echo: weather in Paris?"
    assert sent_call_part(generate_calls(emulator)[-1])["thoughtSignature"] == signature


async def test_history_built_elsewhere_gets_googles_dummy_signature(proxy, emulator):
    async with sdk(proxy) as client:
        reply = await client.chat.completions.create(model=GEMINI3, tools=TOOLS, messages=follow_up(
            bare("call_from_another_model", "get_weather", '{"city": "Oslo"}')))
    assert reply.choices[0].message.content == "Echo: weather in Paris?"
    assert sent_call_part(generate_calls(emulator)[-1])["thoughtSignature"] == DUMMY


async def test_a_signature_the_client_kept_is_sent_as_is(proxy, emulator):
    call = bare("call_x", "get_weather", "{}")
    call["extra_content"] = {"google": {"thought_signature": "c2lnbmVkLWJ5LXRoZS1jbGllbnQ="}}
    async with sdk(proxy) as client:
        await client.chat.completions.create(model=GEMINI3, tools=TOOLS, messages=follow_up(call))
    assert sent_call_part(generate_calls(emulator)[-1])["thoughtSignature"] == "c2lnbmVkLWJ5LXRoZS1jbGllbnQ="


async def test_signatures_belong_to_the_key_that_got_them(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[CLIENT_KEY, "another-key"])
    async with sdk(proxy) as client:
        call_id, name, arguments, signature = await ask_for_a_tool(client, stream=False)
    other = openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key="another-key", max_retries=0)
    async with other:
        await other.chat.completions.create(model=GEMINI3, tools=TOOLS,
                                            messages=follow_up(bare(call_id, name, arguments)))
    # The other key's history carries a guessed id: it must not get this key's signature.
    assert sent_call_part(generate_calls(emulator)[-1])["thoughtSignature"] == DUMMY


# ------------------------------------------------------------------ the job store's table

async def test_store_expires_caps_and_separates_keys(tmp_path):
    store = SqliteJobStore(tmp_path / "jobs.sqlite3", max_signatures=3)
    await store.open()
    try:
        await store.remember_signatures("k1", {"a": "sa", "b": "sb"}, ttl=60)
        await store.remember_signatures("k1", {"gone": "sg"}, ttl=-1)  # already expired
        assert await store.recall_signatures("k1", ["a", "b", "gone", "zz"]) == {"a": "sa", "b": "sb"}
        assert await store.recall_signatures("k2", ["a"]) == {}
        await store.remember_signatures("k2", {"c": "sc", "d": "sd"}, ttl=120)
        # Cap 3: the expired row went on write, then the oldest of a, b.
        assert await store.recall_signatures("k1", ["a", "b"]) == {"b": "sb"}
        assert await store.recall_signatures("k2", ["c", "d"]) == {"c": "sc", "d": "sd"}
        await store.remember_signatures("k2", {"c": "sc2"}, ttl=120)  # same id again: replaced
        assert await store.recall_signatures("k2", ["c"]) == {"c": "sc2"}
    finally:
        await store.close()


async def test_parallel_calls_only_the_first_carries_the_signature(proxy, emulator):
    """Google signs only the first of parallel calls; the others go back as they came, without a dummy."""
    async with sdk(proxy) as client:
        call_id, name, arguments, signature = await ask_for_a_tool(client, stream=False)
        calls = [bare(call_id, name, arguments), bare("call_parallel_2", "get_weather", '{"city": "Rome"}')]
        await client.chat.completions.create(model=GEMINI3, tools=TOOLS, messages=[
            {"role": "user", "content": "weather in Paris and Rome?"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "tool_call_id": call_id, "content": "{}"},
            {"role": "tool", "tool_call_id": "call_parallel_2", "content": "{}"}])
    [model_turn] = [c for c in generate_calls(emulator)[-1].json["contents"] if c["role"] == "model"]
    assert [p.get("thoughtSignature") for p in model_turn["parts"]] == [signature, None]

"""Issue 25.7: JSON amplification. OpenAI's metadata limits, and a cap on the values of any body decided before
it is parsed (a 25 MB body of 2,000,000 keys was accepted; eight at once took 2 GB)."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.support import AUTH, chat

URL = "/v1/chat/completions"


@pytest.mark.parametrize("metadata, problem", [
    ({f"k{i}": "v" for i in range(17)}, "16"),
    ({"k" * 65: "v"}, "64"),
    ({"k": "v" * 513}, "512"),
    ({"k": 1}, "string"),
])
async def test_openai_metadata_limits(proxy, emulator, metadata, problem):
    resp = await proxy.post(URL, json={**chat("gemini-3-flash-preview", "hi"), "metadata": metadata}, headers=AUTH)
    assert resp.status == 400, await resp.text()
    error = (await resp.json())["error"]
    assert error["param"].startswith("metadata") and problem in error["message"], error
    assert not emulator.state.requests


async def test_metadata_within_the_limits_is_accepted(proxy):
    metadata = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    resp = await proxy.post(URL, json={**chat("gemini-3-flash-preview", "hi"), "metadata": metadata}, headers=AUTH)
    assert resp.status == 200, await resp.text()


async def test_millions_of_keys_are_refused_before_they_are_parsed(proxy, emulator):
    keys = ", ".join(f'"{i:07d}": ""' for i in range(2_000_000))
    body = (json.dumps(chat("gemini-3-flash-preview", "hi"))[:-1] + ', "metadata": {' + keys + "}}").encode()
    assert len(body) > 24_000_000
    started = time.perf_counter()
    sending = asyncio.ensure_future(proxy.post(URL, data=body, headers={**AUTH, "Content-Type": "application/json"}))
    slowest = 0.0
    while not sending.done():
        t = time.perf_counter()
        assert (await proxy.get("/healthz")).status == 200
        slowest = max(slowest, time.perf_counter() - t)
        await asyncio.sleep(0.01)
    resp = await sending
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "too_many_values"
    assert time.perf_counter() - started < 5 and slowest < 1
    assert not emulator.state.requests


async def test_a_long_text_full_of_commas_is_not_counted_as_values(proxy):
    text = 'one, "two", three: four, ' * 400_000  # 10 MB, 1.2 million commas inside one string
    resp = await proxy.post(URL, json=chat("gemini-3-flash-preview", text), headers=AUTH)
    assert resp.status == 200, (await resp.text())[:300]


async def test_a_prompt_longer_than_any_gemini_input_is_a_400_naming_the_limit(proxy, emulator):
    """17 million characters are over every Gemini model's 1,048,576-token input: refused before Google is asked."""
    resp = await proxy.post(URL, json=chat("gemini-3-flash-preview", "a" * 17_000_000), headers=AUTH)
    assert resp.status == 400, (await resp.text())[:300]
    error = (await resp.json())["error"]
    assert error["code"] == "prompt_too_long" and error["param"] == "messages"
    assert "17,000,000 characters" in error["message"] and "16,777,216" in error["message"], error
    assert not emulator.state.requests


async def test_max_prompt_chars_counts_the_text_of_every_message(make_proxy, emulator):
    proxy = await make_proxy(max_prompt_chars=1000)
    messages = [{"role": "system", "content": "s" * 400},
                {"role": "user", "content": [{"type": "text", "text": "u" * 400},
                                             {"type": "text", "text": "v" * 201}]}]
    resp = await proxy.post(URL, json={"model": "gemini-3-flash-preview", "messages": messages}, headers=AUTH)
    assert resp.status == 400 and "1,001 characters" in (await resp.json())["error"]["message"]
    messages[1]["content"].pop()
    resp = await proxy.post(URL, json={"model": "gemini-3-flash-preview", "messages": messages}, headers=AUTH)
    assert resp.status == 200, await resp.text()


async def test_large_bodies_past_the_budget_wait_their_turn_and_are_all_answered(make_proxy):
    """body_bytes_in_flight bounds the large bodies read at once; the others wait unread, then are served."""
    proxy = await make_proxy(max_body_bytes=1_000_000, body_bytes_in_flight=1_000_000)
    body = json.dumps(chat("gemini-3-flash-preview", "x" * 600_000)).encode()
    sending = asyncio.gather(*(proxy.post(URL, data=body, headers={**AUTH, "Content-Type": "application/json"})
                               for _ in range(5)))
    replies = await asyncio.wait_for(sending, 30)  # a waiting body that is never let in would hang
    assert [reply.status for reply in replies] == [200] * 5
    for reply in replies:
        assert (await reply.json())["choices"][0]["message"]["content"].startswith("Echo: xxx")

"""What each kind of request is recorded at: images by size and count, streamed text, Omni's video tokens."""
from __future__ import annotations

import json

import pytest

from tests.jobs.test_videos_api import wait_done
from tests.money.test_ledger import usage
from tests.support import AUTH, chat


async def rows_by_model(proxy) -> dict:
    return {row["model"]: row for row in (await usage(proxy, AUTH, group_by="model"))["data"]}


async def test_images_cost_their_size_and_count(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(
        "gemini-3-pro-image", "a red square", modalities=["image", "text"], image_config={"image_size": "4k"}))
    assert resp.status == 200, await resp.text()
    resp = await proxy.post("/v1/images/generations", headers=AUTH,
                            json={"model": "gemini-3.1-flash-image", "prompt": "a cat", "n": 2})
    assert resp.status == 200, await resp.text()
    rows = await rows_by_model(proxy)
    assert rows["gemini-3-pro-image"]["images"] == 1
    # $0.24 per 4K image plus the prompt's tokens at $2 per million.
    assert rows["gemini-3-pro-image"]["cost_usd"] == pytest.approx(
        0.24 + rows["gemini-3-pro-image"]["input_tokens"] * 2 / 1e6)
    flash = rows["gemini-3.1-flash-image"]
    assert flash["requests"] == 2 and flash["images"] == 2 and flash["cost_usd"] == pytest.approx(2 * 0.067)


async def test_a_streamed_answer_is_settled_from_its_usage(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=chat(
        "gemini-3.8-flash", "Tell me a story", stream=True, stream_options={"include_usage": True}))
    assert resp.status == 200
    reported = None
    async for line in resp.content:
        if line.startswith(b"data: {"):
            chunk = json.loads(line[6:])
            reported = chunk.get("usage") or reported
    row = (await rows_by_model(proxy))["gemini-3.8-flash"]
    assert row["input_tokens"] == reported["prompt_tokens"] and row["output_tokens"] == reported["completion_tokens"]
    assert row["cost_usd"] == pytest.approx((row["input_tokens"] * 0.75 + row["output_tokens"] * 3.75) / 1e6)


async def test_an_omni_video_costs_its_video_tokens(proxy, emulator):
    resp = await proxy.post("/v1/videos", headers=AUTH,
                            json={"prompt": "A kite", "model": "gemini-omni-1.2-flash", "seconds": "6"})
    assert resp.status == 200, await resp.text()
    assert (await wait_done(proxy, (await resp.json())["id"]))["status"] == "completed"
    row = (await rows_by_model(proxy))["gemini-omni-1.2-flash"]
    assert row["video_tokens"] > 0 and row["video_seconds"] == 6
    text_out = row["output_tokens"]
    assert row["cost_usd"] == pytest.approx(row["video_tokens"] * 17.5 / 1e6 + row["input_tokens"] * 1.5 / 1e6
                                            + text_out * 9 / 1e6)

"""Answers written while the video still downloads (proxy/media/live.py): what a client sees when the download
goes well, breaks off once, or keeps breaking off."""
from __future__ import annotations

import json

import aiohttp
import pytest

from tests.support import AUTH
from tests.video.helpers import decode_video, submits, video_request

URL = "/v1/chat/completions"
BIG = 4 * 1024 * 1024  # several write batches: the answer starts before the download ends


@pytest.fixture
async def big(make_emulator):
    return await make_emulator(video_padding_bytes=BIG)


@pytest.fixture
async def proxy(big, make_proxy):
    return await make_proxy(gemini_base_url=big.base_url)


async def stored_content(proxy, job_id: str) -> bytes:
    resp = await proxy.get(f"/v1/videos/{job_id}/content", headers=AUTH)
    assert resp.status == 200, await resp.text()
    return await resp.read()


async def test_a_large_video_is_answered_whole_and_stored_when_the_answer_ends(proxy, big):
    resp = await proxy.post(URL, json=video_request("A big cat"), headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    [item] = body["choices"][0]["message"]["videos"]
    data = decode_video(item)
    assert len(data) == item["bytes"] >= BIG and data[4:8] == b"ftyp"
    # The job is recorded (and its file stored) by the time the answer has ended.
    job = await (await proxy.get(f"/v1/videos/{item['job_id']}", headers=AUTH)).json()
    assert job["status"] == "completed"
    assert await stored_content(proxy, item["job_id"]) == data


async def test_a_download_broken_off_once_is_taken_up_again_without_the_client_noticing(proxy, big):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:cut-download=1]"), headers=AUTH)
    assert resp.status == 200
    [item] = (await resp.json())["choices"][0]["message"]["videos"]
    data = decode_video(item)
    assert sorted(big.state.downloads.values()) == [2]  # cut once, then whole
    assert len(data) == item["bytes"] and data[4:8] == b"ftyp"
    assert await stored_content(proxy, item["job_id"]) == data
    assert len(submits(big)) == 1


async def test_a_download_that_keeps_breaking_off_cuts_the_answer_and_a_retry_downloads_it_again(proxy, big):
    body = video_request("A cat [emulate:cut-download=3]")  # every try of the job's download breaks off
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200  # the answer had started: it cannot become an error status any more
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()  # cut off: never a truncated video that looks complete
    listed = await (await proxy.get("/v1/videos", headers=AUTH)).json()
    [job] = listed["data"]
    assert job["status"] == "failed" and job["error"]["code"] == "download_incomplete"

    # The openai SDK retries a cut-off answer with the same request: the video is downloaded again,
    # not generated (and paid for) again.
    again = await proxy.post(URL, json=body, headers=AUTH)
    assert again.status == 200, await again.text()
    [item] = (await again.json())["choices"][0]["message"]["videos"]
    assert item["job_id"] == job["id"]
    assert len(submits(big)) == 1
    assert await stored_content(proxy, job["id"]) == decode_video(item)


async def test_a_streamed_answer_carries_the_whole_large_video(proxy, big):
    resp = await proxy.post(URL, json={**video_request("A big cat, streamed"), "stream": True}, headers=AUTH)
    assert resp.status == 200
    text = await resp.text()
    events = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    [item] = [json.loads(e)["choices"][0]["delta"]["videos"][0] for e in events[:-1]
              if json.loads(e)["choices"] and json.loads(e)["choices"][0]["delta"].get("videos")]
    data = decode_video(item)
    assert len(data) == item["bytes"] >= BIG
    assert await stored_content(proxy, item["job_id"]) == data


async def test_a_streamed_answer_is_cut_off_when_the_download_keeps_breaking(proxy, big):
    body = {**video_request("A cat, streamed [emulate:cut-download=3]"), "stream": True}
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()  # no [DONE]: the stream ends abruptly, not with a video cut short

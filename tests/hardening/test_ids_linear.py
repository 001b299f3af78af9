"""Issue 14.1: no id a client sends can stall the event loop (ids are parsed in linear time)."""
from __future__ import annotations

import asyncio
import time

from proxy.http.ids import file_id_of_download, parse_file_id, vertex_model_path
from tests.support import AUTH, CLIENT_KEY

GOOGLE_AUTH = {"x-goog-api-key": CLIENT_KEY}
# aiohttp accepts request lines up to 8190 bytes: the longest id a client can send.
LONG = "a" * 8000


async def _healthz_latencies(proxy, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        resp = await proxy.get("/healthz")
        assert resp.status == 200
        await resp.read()
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return latencies


async def test_long_file_ids_in_parallel_do_not_stall_healthz(proxy):
    stop = asyncio.Event()
    watcher = asyncio.create_task(_healthz_latencies(proxy, stop))
    await asyncio.sleep(0.05)
    paths = [f"/v1beta/files/{LONG}!:download", f"/v1beta/files/{LONG[:-100]}v{'1' * 90}:download",
             f"/v1/files/x/{LONG}:download", f"/v1beta/files/{'1v' * 3990}!:download"] * 3
    started = time.perf_counter()
    replies = await asyncio.gather(*(proxy.get(path, headers=GOOGLE_AUTH) for path in paths))
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.05)
    stop.set()
    latencies = await watcher
    for resp in replies:
        assert resp.status == 404, await resp.text()
        body = await resp.json()
        assert body["error"]["status"] == "NOT_FOUND"
        assert LONG not in body["error"]["message"]  # the client's 8 KB is not echoed back
    assert max(latencies) < 0.1, f"/healthz took {max(latencies) * 1000:.0f} ms while long ids were parsed"
    assert elapsed < 1.0


def test_id_parsers_accept_what_genproxy_issues_and_nothing_longer():
    assert file_id_of_download("0123456789abcdef01234567v0:download") == "0123456789abcdef01234567v0"
    # the SDK's form for an http:// URI: the whole URI as the name
    assert file_id_of_download("http://127.0.0.1:8317/v1beta/files/abcv1:download") == "abcv1"
    assert parse_file_id("0123456789abcdef01234567v1") == ("video_0123456789abcdef01234567", 1)
    assert file_id_of_download(LONG + ":download") is None
    assert file_id_of_download("abcv0") is None
    assert parse_file_id("abc") is None and parse_file_id("v1") is None and parse_file_id("abcv") is None
    name = "projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001/operations/123"
    assert vertex_model_path(name) == "projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
    assert vertex_model_path("projects/" + "a/locations/" * 500) is None
    assert vertex_model_path(name.replace("/operations/", "/ops/")) is None


async def test_megabytes_of_data_uri_parameters_do_not_stall_healthz(proxy):
    """A data URI's header is bounded before any regex sees it (it took ~0.7 s per 8 MB before)."""
    uri = "data:image/png" + ";a=b" * 2_000_000 + ";base64,iVBORw0KGgo="
    chat_body = {"model": "gemini-3-flash-preview", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is it?"}, {"type": "image_url", "image_url": {"url": uri}}]}]}
    video_body = {"model": "veo-3.1-generate-preview", "modalities": ["video", "text"], "messages": [{"role": "user",
                  "content": [{"type": "text", "text": "a cat"}, {"type": "image_url", "image_url": {"url": uri}}]}]}
    stop = asyncio.Event()
    watcher = asyncio.create_task(_healthz_latencies(proxy, stop))
    await asyncio.sleep(0.05)
    replies = await asyncio.gather(*(proxy.post("/v1/chat/completions", json=body, headers=AUTH)
                                     for body in (chat_body, video_body, chat_body, video_body)))
    await asyncio.sleep(0.05)
    stop.set()
    latencies = await watcher
    for resp in replies:
        assert resp.status == 400, await resp.text()
    assert max(latencies) < 0.1, f"/healthz took {max(latencies) * 1000:.0f} ms while data URIs were parsed"

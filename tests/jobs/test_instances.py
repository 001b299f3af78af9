"""Several instances on one job store: media served by any of them, Google's 2 days, then 410."""
from __future__ import annotations

import asyncio
import time

from proxy import keys
from tests.jobs.test_videos_api import wait_done
from tests.support import AUTH, assert_openai_error


def downloads(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(":download")]


async def test_an_instance_without_the_file_fetches_it_again_from_google_then_410_after_two_days(
        make_proxy, emulator, tmp_path, jobs_db):
    first = await make_proxy(jobs_db=jobs_db, media_dir=tmp_path / "media-1")
    second = await make_proxy(jobs_db=jobs_db, media_dir=tmp_path / "media-2")
    resp = await first.post("/v1/videos", json={"prompt": "A travelling cat"}, headers=AUTH)
    video_id = (await resp.json())["id"]
    assert (await wait_done(first, video_id))["status"] == "completed"
    original = await (await first.get(f"/v1/videos/{video_id}/content", headers=AUTH)).read()
    assert len(downloads(emulator)) == 1

    # The second instance has no copy (its own media_dir): it fetches the file from Google, once.
    for _ in range(2):
        resp = await second.get(f"/v1/videos/{video_id}/content", headers=AUTH)
        assert resp.status == 200
        assert await resp.read() == original
    assert len(downloads(emulator)) == 2

    # Past Google's 2 days (and before genproxy's own media_ttl), an instance without the file says so.
    store = first.app[keys.JOB_STORE]
    job = await store.get(video_id)
    await store.update(job, completed_at=time.time() - 3 * 24 * 3600, expires_at=time.time() + 3600)
    third = await make_proxy(jobs_db=jobs_db, media_dir=tmp_path / "media-3")
    resp = await third.get(f"/v1/videos/{video_id}/content", headers=AUTH)
    assert resp.status == 410
    error = assert_openai_error(await resp.json(), code="video_gone")
    assert "media_dir" in error["message"]
    assert len(downloads(emulator)) == 2


def generate_calls(emulator) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(":generateContent")]


async def test_a_429_on_one_instance_cools_the_key_on_the_others(make_proxy, emulator, jobs_db):
    first = await make_proxy(jobs_db=jobs_db, cooldown_sync_interval=0.05)
    second = await make_proxy(jobs_db=jobs_db, cooldown_sync_interval=0.05)
    body = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hello"}]}
    assert (await second.post("/v1/chat/completions", json=body, headers=AUTH)).status == 200
    busy = {**body, "messages": [{"role": "user", "content": "[emulate:quota] hello"}]}
    assert (await first.post("/v1/chat/completions", json=busy, headers=AUTH)).status == 429
    calls = len(generate_calls(emulator))
    await asyncio.sleep(0.3)
    # The second instance never met the 429 but rests the same key (Google said retry in 2 s) ...
    resp = await second.post("/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 429
    assert_openai_error(await resp.json(), code="rate_limit_exceeded")
    assert resp.headers["Retry-After"] in ("1", "2")
    assert len(generate_calls(emulator)) == calls  # ... without asking Google
    await asyncio.sleep(2.1)
    assert (await second.post("/v1/chat/completions", json=body, headers=AUTH)).status == 200

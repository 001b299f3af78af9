"""Several instances on one job store: media served by any of them, Google's 2 days, then 410."""
from __future__ import annotations

import asyncio
import time

import pytest

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


async def test_a_dead_instances_job_is_taken_over_once_its_lease_expires(make_proxy, emulator, jobs_db):
    from proxy.http.middleware import key_id
    from tests.support import CLIENT_KEY
    from tests.video.helpers import polls

    first = await make_proxy(jobs_db=jobs_db, job_lease_seconds=0.6)
    resp = await first.post("/v1/videos", json={"prompt": "An orphan cat [emulate:delay=1.5]"}, headers=AUTH)
    video_id = (await resp.json())["id"]
    store = first.app[keys.JOB_STORE]
    job = await store.get(video_id)
    # Its instance vanishes (another machine: nothing tells us it died), its lease still runs 0.6 s.
    runner = first.app[keys.JOB_RUNNER]
    runner._tasks.pop(video_id).cancel()
    await store.update(job, owner="another-machine|pid:[1]|7|100|dead")
    second = await make_proxy(jobs_db=jobs_db, job_lease_seconds=0.6)
    polled = len(polls(emulator))
    assert (await (await second.get(f"/v1/videos/{video_id}", headers=AUTH)).json())["status"] != "completed"
    assert (await wait_done(second, video_id))["status"] == "completed"
    assert len(polls(emulator)) > polled
    taken = await store.get(video_id)
    assert taken.owner in (runner.owner, second.app[keys.JOB_RUNNER].owner)
    assert key_id(CLIENT_KEY) == taken.client_key_id


async def test_an_idempotency_key_pays_once_across_instances(make_proxy, emulator, jobs_db):
    from tests.video.helpers import submits

    first = await make_proxy(jobs_db=jobs_db)
    second = await make_proxy(jobs_db=jobs_db)
    headers = {**AUTH, "Idempotency-Key": "retry-across-instances"}
    answers = await asyncio.gather(*(
        (first if i % 2 else second).post("/v1/videos", json={"prompt": "A cat paid for once"}, headers=headers)
        for i in range(10)))
    assert {resp.status for resp in answers} == {200}
    assert len({(await resp.json())["id"] for resp in answers}) == 1
    assert len(submits(emulator)) == 1


@pytest.mark.slow
async def test_while_postgresql_is_down_requests_get_a_503_to_retry_then_it_recovers(make_proxy, postgres_server):
    from tests.postgres import PostgresServer

    server = PostgresServer(postgres_server.bindir)  # its own server, to stop and start again
    server.start()
    try:
        proxy = await make_proxy(jobs_db=server.create_database("genproxy_down"))
        assert (await proxy.get("/v1/videos", headers=AUTH)).status == 200
        server.halt()
        resp = await proxy.get("/v1/videos", headers=AUTH)
        assert resp.status == 503, await resp.text()
        error = assert_openai_error(await resp.json(), code="job_store_unavailable")
        assert "retry" in error["message"] and resp.headers["Retry-After"] == "5"
        server.run_server()
        for _ in range(100):  # the pool connects again by itself
            if (await proxy.get("/v1/videos", headers=AUTH)).status == 200:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the proxy did not reconnect to PostgreSQL")
    finally:
        server.stop()


async def test_a_job_whose_poll_task_died_unrecorded_is_polled_again(make_proxy, emulator, jobs_db):
    proxy = await make_proxy(jobs_db=jobs_db, job_lease_seconds=0.6)
    resp = await proxy.post("/v1/videos", json={"prompt": "A resilient cat [emulate:delay=1]"}, headers=AUTH)
    video_id = (await resp.json())["id"]
    # The task ends without a word in the store (as when the store was unreachable at that moment).
    proxy.app[keys.JOB_RUNNER]._tasks[video_id].cancel()
    assert (await wait_done(proxy, video_id))["status"] == "completed"


async def test_an_instance_that_lost_a_job_leaves_its_result_to_the_new_owner(make_proxy, emulator, jobs_db):
    proxy = await make_proxy(jobs_db=jobs_db)
    resp = await proxy.post("/v1/videos", json={"prompt": "A contested cat [emulate:delay=0.5]"}, headers=AUTH)
    video_id = (await resp.json())["id"]
    store = proxy.app[keys.JOB_STORE]
    # While this instance stalled, another one (alive, elsewhere) took the job over.
    await store.update(await store.get(video_id), owner="another-machine|pid:[1]|7|100|alive",
                       lease_until=time.time() + 60)
    await asyncio.sleep(1.5)  # the operation is done and this instance has polled it
    job = await store.get(video_id)
    assert job.status in ("queued", "in_progress") and job.owner.startswith("another-machine")
    assert downloads(emulator) == []  # nor did it pay the download the new owner will make

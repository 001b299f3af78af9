"""Issue 14 item 3: a job is recorded before its submit, and the per-key cap holds under concurrency."""
from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import aiohttp
import pytest
import yaml

from proxy.http.middleware import key_id
from proxy.jobs.backends import open_store
from tests.jobs.conftest import VEO
from tests.jobs.test_restart import free_port, start_proxy
from tests.support import AUTH, CLIENT_KEY, UPSTREAM_KEY, assert_openai_error
from tests.video.helpers import submits


async def test_simultaneous_creates_never_pass_the_per_key_cap(make_proxy, emulator, jobs_db):
    proxy = await make_proxy(jobs_db=jobs_db, max_jobs_per_key=4)
    answers = await asyncio.gather(*(
        proxy.post("/v1/videos", json={"prompt": f"Cat number {i} [emulate:delay=5]"}, headers=AUTH)
        for i in range(40)))
    statuses = sorted(resp.status for resp in answers)
    assert statuses.count(200) == 4 and statuses.count(429) == 36, statuses
    for resp in answers:
        if resp.status == 429:
            assert_openai_error(await resp.json(), code="too_many_jobs")
    assert len(submits(emulator)) == 4  # Google was asked (and would bill) only for the admitted ones


async def test_a_job_is_recorded_as_submitting_before_google_answers(proxy, emulator, monkeypatch):
    from proxy.upstreams.gemini import GeminiUpstream

    seen = []
    submit = GeminiUpstream.predict_long_running

    async def watched(self, model, body):
        page = await (await proxy.get("/v1/videos", headers=AUTH)).json()
        seen.extend(page["data"])
        return await submit(self, model, body)

    monkeypatch.setattr(GeminiUpstream, "predict_long_running", watched)
    resp = await proxy.post("/v1/videos", json={"prompt": "A recorded cat"}, headers=AUTH)
    assert resp.status == 200
    [during] = seen  # the job was in the store while the submit was in flight, shown to clients as queued
    assert during["id"] == (await resp.json())["id"] and during["status"] == "queued"


async def test_a_refused_submit_leaves_no_job(proxy, emulator):
    resp = await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:server-error]"}, headers=AUTH)
    assert resp.status >= 500
    assert (await (await proxy.get("/v1/videos", headers=AUTH)).json())["data"] == []


@pytest.mark.slow
async def test_sigkill_during_a_burst_of_creates_leaves_no_accepted_operation_without_a_job(tmp_path, emulator):
    data = tmp_path / "data"
    config = tmp_path / "genproxy.yaml"
    config.write_text(yaml.safe_dump({
        "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": emulator.base_url,
        # these jobs poll Veo operations (the proxy's default video model is Gemini Omni)
        "default_video_model": VEO,
        "auth_dir": str(tmp_path / "auth"), "data_dir": str(data), "max_jobs_per_key": 100,
        "poll_initial_delay": 0.1, "poll_max_delay": 0.3,
    }))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = await start_proxy(config, port)
    async with aiohttp.ClientSession(headers=AUTH) as http:
        async def create(i: int):
            try:
                async with http.post(f"{base}/v1/videos", json={"prompt": f"Burst cat {i} [emulate:delay=1]"}) as r:
                    return r.status
            except aiohttp.ClientError:
                return None  # the proxy died under this request

        burst = [asyncio.ensure_future(create(i)) for i in range(30)]
        while len(submits(emulator)) < 3:
            await asyncio.sleep(0.002)
        proc.kill()
        await proc.wait()
        statuses = await asyncio.gather(*burst)
    accepted = set(emulator.state.operations)
    assert accepted, "the emulator accepted no operation before the kill"
    assert None in statuses, "the kill came after the burst"

    # A restart settles what the dead process left: every job ends completed or submit_interrupted.
    proc = await start_proxy(config, port)
    try:
        store = open_store(SimpleNamespace(jobs_db=None, data_dir=data))
        await store.open()
        try:
            for _ in range(200):
                jobs, _more = await store.page(key_id(CLIENT_KEY), after=None, limit=100, order="asc")
                if all(job.finished for job in jobs):
                    break
                await asyncio.sleep(0.1)
        finally:
            await store.close()
    finally:
        proc.terminate()
        await proc.wait()
    recorded = {job.operation for job in jobs if job.operation}
    interrupted = [job for job in jobs if job.error and job.error.get("code") == "submit_interrupted"]
    unmatched = accepted - recorded
    # Every accepted operation has its job: polled to the end, or failed saying Google may have started it.
    assert len(unmatched) <= len(interrupted), (len(accepted), len(recorded), len(interrupted))
    assert all(job.status in ("completed", "failed") for job in jobs), [j.status for j in jobs]
    assert all(job.status == "completed" for job in jobs if job.operation in accepted)
    for job in interrupted:
        assert "Google may have started it" in job.error["message"]


async def test_jobs_left_submitting_by_a_dead_instance_end_submit_interrupted_all_of_them(
        make_proxy, jobs_db, tmp_path):
    from proxy.jobs.store import Job, new_job_id

    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=tmp_path / "data"))
    await store.open()
    client = key_id(CLIENT_KEY)
    try:
        for _ in range(150):  # more than one claim batch; their instance on another machine, lease run out
            await store.create(Job(id=new_job_id(), client_key_id=client, model="veo-3.1-generate-preview",
                                   route={}, status="submitting", owner="elsewhere|pid:[1]|7|dead",
                                   lease_until=time.time() - 1, request={"instances": [{"prompt": "x"}]}))
    finally:
        await store.close()
    proxy = await make_proxy(jobs_db=jobs_db)
    page = await (await proxy.get("/v1/videos?limit=100", headers=AUTH)).json()
    assert len(page["data"]) == 100 and page["has_more"]
    for video in page["data"]:
        assert video["status"] == "failed"
        assert video["error"]["code"] == "submit_interrupted"
        assert "Google may have started it" in video["error"]["message"]
    assert (await store_count_unfinished(proxy, client)) == 0


async def store_count_unfinished(proxy, client: str) -> int:
    from proxy import keys

    return await proxy.app[keys.JOB_STORE].count_unfinished(client)

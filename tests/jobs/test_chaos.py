"""Chaos: three genproxy instances on one PostgreSQL database, one SIGKILLed while it polls.

Every job completes exactly once (one submit per operation, each video downloaded from Google once while
the jobs run) and every video is served by both survivors (which fetch again what they do not have).
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from types import SimpleNamespace

import aiohttp
import pytest
import yaml

from proxy.jobs.backends import open_store
from tests.jobs.conftest import VEO
from tests.jobs.test_restart import free_port, start_proxy
from tests.support import AUTH, CLIENT_KEY, UPSTREAM_KEY
from tests.video.helpers import polls, submits

JOBS_PER_INSTANCE = 4


@pytest.mark.slow
async def test_three_instances_one_killed_while_polling_every_job_completes_once(tmp_path, emulator, postgres_url):
    instances = []
    for n in range(3):
        config = tmp_path / f"genproxy-{n}.yaml"
        config.write_text(yaml.safe_dump({
            "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": emulator.base_url,
        # these jobs poll Veo operations (the proxy's default video model is Gemini Omni)
        "default_video_model": VEO,
            "auth_dir": str(tmp_path / "auth"), "data_dir": str(tmp_path / f"data-{n}"),  # media not shared
            "jobs_db": postgres_url, "job_lease_seconds": 1.5, "max_jobs_per_key": 100,
            "poll_initial_delay": 0.1, "poll_max_delay": 0.3,
        }))
        port = free_port()
        instances.append(SimpleNamespace(config=config, base=f"http://127.0.0.1:{port}",
                                         proc=await start_proxy(config, port)))
    victim, survivors = instances[0], instances[1:]
    try:
        async with aiohttp.ClientSession(headers=AUTH) as http:
            ids = []
            for n, instance in enumerate(instances):
                for i in range(JOBS_PER_INSTANCE):
                    async with http.post(f"{instance.base}/v1/videos",
                                         json={"prompt": f"Cat {n}.{i} [emulate:delay=3]"}) as resp:
                        assert resp.status == 200, await resp.text()
                        ids.append((await resp.json())["id"])
            store = open_store(SimpleNamespace(jobs_db=postgres_url, data_dir=tmp_path))
            await store.open()
            try:
                victim_ops = set()
                for job_id in ids[:JOBS_PER_INSTANCE]:
                    victim_ops.add((await store.get(job_id)).operation)
                # Kill the victim once it is polling its operations (none is done yet).
                while not victim_ops <= {r.path.removeprefix("/v1beta/") for r in polls(emulator)}:
                    await asyncio.sleep(0.02)
                killed_at = time.time()
                victim.proc.kill()
                await victim.proc.wait()

                deadline = time.monotonic() + 30
                for index, job_id in enumerate(ids):
                    while True:
                        async with http.get(f"{survivors[index % 2].base}/v1/videos/{job_id}") as resp:
                            video = await resp.json()
                        if video["status"] not in ("queued", "in_progress") or time.monotonic() > deadline:
                            break
                        await asyncio.sleep(0.1)
                    assert video["status"] == "completed", video
                jobs = [await store.get(job_id) for job_id in ids]
            finally:
                await store.close()

            # Exactly once: one submit per job, one operation per job, each video downloaded once.
            assert len(submits(emulator)) == len(ids) == len(emulator.state.operations)
            assert {job.operation for job in jobs} == set(emulator.state.operations)
            file_ids = {f.file_id for op in emulator.state.operations.values() for f in op.files}
            fetched = Counter(r.path.rsplit("/", 1)[-1].split(":")[0] for r in emulator.state.requests
                              if r.path.endswith(":download"))
            assert set(fetched) == file_ids and set(fetched.values()) == {1}, fetched
            # The survivors took the victim's jobs over: its operations were polled after the kill.
            late = {r.path.removeprefix("/v1beta/") for r in polls(emulator) if r.time > killed_at}
            assert victim_ops <= late

            # Every video is served by both survivors, whichever instance finished it.
            for survivor in survivors:
                for job_id in ids:
                    async with http.get(f"{survivor.base}/v1/videos/{job_id}/content") as resp:
                        assert resp.status == 200, await resp.text()
                        assert (await resp.read())[4:8] == b"ftyp"
    finally:
        for instance in instances:
            if instance.proc.returncode is None:
                instance.proc.terminate()
                await instance.proc.wait()

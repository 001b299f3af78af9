"""`genproxy serve --workers N`: N processes on one port, one log stream, one store, clean shutdown."""
from __future__ import annotations

import asyncio
import os
import signal

import aiohttp
import pytest

from tests.support import AUTH, serve_two_workers


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
async def test_two_workers_share_one_port_one_store_and_stop_together(tmp_path, emulator):
    log_path = tmp_path / "stderr.log"
    with open(log_path, "wb") as log_file:
        proc, line, match = await serve_two_workers(tmp_path, emulator.base_url, log_file,
                                                    poll_initial_delay=0.1, poll_max_delay=0.3)
    try:
        assert match, (line, log_path.read_text()[-3000:])
        base, pids = match[1], [int(match[2]), int(match[3])]
        for _ in range(40):  # new connections: the kernel spreads them over both workers
            async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
        async with aiohttp.ClientSession(headers=AUTH) as http:
            async with http.post(f"{base}/v1/videos", json={"prompt": "A cat [emulate:delay=0.5]"}) as resp:
                assert resp.status == 200, await resp.text()
                video_id = (await resp.json())["id"]
            for _ in range(100):  # whichever worker answers knows the job (one store)
                async with http.get(f"{base}/v1/videos/{video_id}") as resp:
                    video = await resp.json()
                if video["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
            assert video["status"] == "completed", video
            for _ in range(6):
                async with aiohttp.ClientSession(headers=AUTH) as fresh, \
                        fresh.get(f"{base}/v1/videos/{video_id}/content") as resp:
                    assert resp.status == 200 and (await resp.read())[4:8] == b"ftyp"
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert not any(alive(pid) for pid in pids)
        log = log_path.read_text()
        # One log stream: both workers' access lines, each naming its worker.
        assert "[worker 0] genproxy.access" in log and "[worker 1] genproxy.access" in log, log[-3000:]
        assert "Traceback" not in log
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.slow
async def test_a_dead_worker_is_replaced(tmp_path, emulator):
    proc, line, match = await serve_two_workers(tmp_path, emulator.base_url, asyncio.subprocess.PIPE,
                                                discovery_at_startup=False)
    try:
        assert match, (line, (await proc.stderr.read()).decode()[-3000:])
        base = match[1]
        os.kill(int(match[2]), signal.SIGKILL)
        seen = []
        for _ in range(2000):  # the workers' own log lines come through the same stream
            err = await asyncio.wait_for(proc.stderr.readline(), 30)
            seen.append(err)
            if b"starting another" in err:
                break
        else:
            raise AssertionError(f"the supervisor did not notice the dead worker: {b''.join(seen[-20:])!r}")
        await asyncio.sleep(2.5)
        for _ in range(20):
            async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as resp:
                assert resp.status == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(proc.wait(), 30) == 0

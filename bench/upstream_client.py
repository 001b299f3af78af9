"""CPU per upstream JSON call: aiohttp's ClientSession against genproxy's Http1Client, same run, same emulator.

    bench/upstream_client.py [rounds] [calls]

Starts the emulator, then alternates the two clients (one process, uvloop, concurrency 64, generateContent with
the benchmark's body, each answer read and parsed): CPU time (process_time) per call, every round, then min and
median of each and their ratio. This is the measurement behind `upstream_client: http1` (proxy/upstreams/http1.py).
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import aiohttp

import bench
from proxy.http.jsonstream import dumps, dumps_text, loads
from proxy.upstreams.http1 import Http1Client

CONCURRENCY = 64


async def _closed_loop(call, calls: int) -> float:
    left = calls

    async def worker():
        nonlocal left
        while left > 0:
            left -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(8)))  # warm-up: connections opened
    left = calls
    cpu0 = time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return (time.process_time() - cpu0) * 1e6 / calls


async def with_aiohttp(url: str, calls: int) -> float:
    timeout = aiohttp.ClientTimeout(total=120, sock_connect=15)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), trust_env=False,
                                     json_serialize=dumps_text) as session:
        async def call():
            resp = await session.request("POST", url, json=bench.GEMINI_BODY, headers=HEADERS, timeout=timeout,
                                         allow_redirects=False)
            try:
                loads(await resp.read())
            finally:
                resp.release()
        return await _closed_loop(call, calls)


async def with_http1(url: str, calls: int) -> float:
    client = Http1Client()

    async def call():
        reply = await client.request("POST", url, dumps(bench.GEMINI_BODY), HEADERS, 120, 15)
        loads(reply.body)
    try:
        return await _closed_loop(call, calls)
    finally:
        await client.close()


HEADERS = {"x-goog-api-key": bench.UPSTREAM_KEY}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    try:
        import uvloop
        run = uvloop.run
    except ImportError:
        run = asyncio.run
    logdir = Path(tempfile.mkdtemp(prefix="genproxy-upstream-client-"))
    try:
        emu = bench.emulator(logdir, "emulator", delay=1.0)
        url = f"{emu.base}/v1beta/models/{bench.MODEL}:generateContent"
        figures: dict[str, list[float]] = {"aiohttp": [], "http1": []}
        for i in range(rounds):
            for name, fn in (("aiohttp", with_aiohttp), ("http1", with_http1)):
                figures[name].append(run(fn(url, calls)))
                bench.http("DELETE", f"{emu.base}/emulator/requests?all=1")
            print(f"round {i + 1}: aiohttp {figures['aiohttp'][-1]:.1f} µs, http1 {figures['http1'][-1]:.1f} µs "
                  f"per call", flush=True)
    finally:
        bench.stop_all()
    a, h = figures["aiohttp"], figures["http1"]
    print(f"CPU µs per call (min / median of {rounds}): aiohttp {min(a):.1f} / {statistics.median(a):.1f}, "
          f"http1 {min(h):.1f} / {statistics.median(h):.1f}; http1 / aiohttp = {min(h) / min(a):.2f} (min), "
          f"{statistics.median(h) / statistics.median(a):.2f} (median)")


if __name__ == "__main__":
    main()

"""The load generator: a bounded aiohttp client, run in its own process by bench/bench.py.

    python bench/load.py '{"mode": "text", "url": ..., "body": {...}, "headers": {...},
                          "concurrency": 64, "requests": 5000, "seconds": 3, "warmup": 200}'

Prints one JSON object on stdout. Every mode is bounded in requests and in time.
Modes:
  text    non-streaming POSTs: req/s, p50/p99 latency
  stream  streaming POSTs (SSE): time to first data event, gaps between data events
  video   N concurrent video chat completions: sha256 of every returned video
  jobs    N concurrent long requests started together: how many completed, and when
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import sys
import time

import aiohttp


def distinct_bodies(spec: dict) -> list[bytes]:
    """One body per request, each prompt numbered: genproxy attaches an identical request to the unfinished
    job it already has (a retrying client pays once), so N identical requests would be one job."""
    out = []
    for i in range(spec["concurrency"]):
        body = json.loads(json.dumps(spec["body"]))
        body["messages"][-1]["content"] += f" (request {i + 1} of {spec['concurrency']})"
        out.append(json.dumps(body).encode())
    return out


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def session(limit: int, timeout: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit, force_close=False),
                                 timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False)


async def _closed_loop(spec: dict, one) -> dict:
    """Run ``one(client)`` from ``concurrency`` workers until the request or time budget is spent."""
    concurrency, budget, seconds = spec["concurrency"], spec["requests"], spec["seconds"]
    results: list = []
    errors: list[str] = []
    cpu0 = time.process_time()  # this process's CPU from the warm-up on (not its imports)
    async with session(concurrency, spec.get("timeout", 30)) as client:
        warm = spec.get("warmup", 0)
        for start in range(0, warm, concurrency):
            await asyncio.gather(*(one(client) for _ in range(min(concurrency, warm - start))),
                                 return_exceptions=True)
        issued = 0
        started = time.perf_counter()
        deadline = started + seconds

        async def worker():
            nonlocal issued
            while issued < budget and time.perf_counter() < deadline:
                issued += 1
                try:
                    results.append(await one(client))
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"results": results, "errors": errors, "elapsed": elapsed, "cpu_s": time.process_time() - cpu0}


async def text(spec: dict) -> dict:
    body = json.dumps(spec["body"]).encode()
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}

    async def one(client):
        t0 = time.perf_counter()
        async with client.post(spec["url"], data=body, headers=headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return (time.perf_counter() - t0) * 1000

    run = await _closed_loop(spec, one)
    lat = run["results"]
    return {"requests": len(lat), "errors": len(run["errors"]), "error_sample": run["errors"][:3],
            "rps": len(lat) / run["elapsed"], "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99),
            "cpu_s": run["cpu_s"]}


async def stream(spec: dict) -> dict:
    body = json.dumps(spec["body"]).encode()
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}

    async def one(client):
        t0 = time.perf_counter()
        times = []
        async with client.post(spec["url"], data=body, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
            async for line in resp.content:
                if line.startswith(b"data:") and not line.startswith(b"data: [DONE]"):
                    times.append(time.perf_counter())
        if not times:
            raise RuntimeError("no data event")
        gaps = [(b - a) * 1000 for a, b in zip(times, times[1:])]
        return (times[0] - t0) * 1000, gaps, (time.perf_counter() - t0) * 1000, len(times)

    run = await _closed_loop(spec, one)
    ttfb = [r[0] for r in run["results"]]
    gaps = [g for r in run["results"] for g in r[1]]
    total = [r[2] for r in run["results"]]
    events = [r[3] for r in run["results"]]
    return {"requests": len(ttfb), "errors": len(run["errors"]), "error_sample": run["errors"][:3],
            "rps": len(ttfb) / run["elapsed"], "ttfb_p50_ms": pct(ttfb, 0.5), "ttfb_p99_ms": pct(ttfb, 0.99),
            "gap_p50_ms": pct(gaps, 0.5), "gap_p99_ms": pct(gaps, 0.99), "total_p50_ms": pct(total, 0.5),
            "events_per_stream": (sum(events) / len(events)) if events else None}


async def _video_once(client, spec: dict, body: bytes, headers: dict) -> dict:
    """One video request; the base64 is decoded and hashed as it arrives (the client stays small)."""
    t0 = time.perf_counter()
    async with client.post(spec["url"], data=body, headers=headers) as resp:
        if resp.status != 200:
            return {"status": resp.status, "error": (await resp.text())[:300]}
        if not spec.get("verify", True):  # timing only: read the answer, do not decode it
            size, first = 0, None
            async for chunk in resp.content.iter_chunked(256 * 1024):
                first = first or time.perf_counter() - t0
                size += len(chunk)
            return {"status": 200, "bytes": size, "first_byte_s": first, "seconds": time.perf_counter() - t0}
        marker = b";base64,"
        head = bytearray()
        digest, size, carry, state = hashlib.sha256(), 0, b"", "head"
        async for chunk in resp.content.iter_chunked(256 * 1024):
            if state == "head":
                head += chunk
                at = head.find(marker)
                if at < 0:
                    continue
                chunk, state = bytes(head[at + len(marker):]), "b64"
            if state == "b64":
                end = chunk.find(b'"')
                part = chunk if end < 0 else chunk[:end]
                data = carry + part
                cut = len(data) - len(data) % 4
                decoded = base64.b64decode(data[:cut])
                digest.update(decoded)
                size += len(decoded)
                carry = data[cut:]
                if end >= 0:
                    state = "tail"
        if state != "tail":
            return {"status": resp.status, "error": "no complete data URI in the answer"}
    return {"status": 200, "sha256": digest.hexdigest(), "bytes": size, "seconds": time.perf_counter() - t0}


async def _download_once(client, url: str, headers: dict) -> dict:
    t0 = time.perf_counter()
    async with client.get(url, headers=headers) as resp:
        size = 0
        async for chunk in resp.content.iter_chunked(256 * 1024):
            size += len(chunk)
    return {"status": resp.status, "bytes": size, "seconds": time.perf_counter() - t0}


async def download(spec: dict) -> dict:
    """``concurrency`` simultaneous GETs of one file, read to the end: the raw download time."""
    async with session(0, spec.get("timeout", 120)) as client:
        t0, cpu0 = time.perf_counter(), time.process_time()
        done = await asyncio.gather(*(_download_once(client, spec["url"], spec.get("headers", {}))
                                      for _ in range(spec["concurrency"])))
        elapsed = time.perf_counter() - t0
    return {"results": done, "elapsed": elapsed, "cpu_s": time.process_time() - cpu0}


async def video(spec: dict) -> dict:
    bodies = distinct_bodies(spec)
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    async with session(0, spec.get("timeout", 120)) as client:
        t0, cpu0 = time.perf_counter(), time.process_time()
        done = await asyncio.gather(*(_video_once(client, spec, body, headers) for body in bodies),
                                    return_exceptions=True)
        elapsed = time.perf_counter() - t0
    out = [d if isinstance(d, dict) else {"status": None, "error": f"{type(d).__name__}: {d}"[:300]} for d in done]
    return {"results": out, "elapsed": elapsed, "cpu_s": time.process_time() - cpu0}


async def jobs(spec: dict) -> dict:
    """``concurrency`` long requests started at once; each must answer 200 with a video."""
    bodies = distinct_bodies(spec)
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    finished: list[float] = []
    errors: list[str] = []

    async def one(client, body: bytes):
        try:
            async with client.post(spec["url"], data=body, headers=headers) as resp:
                raw = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}: {raw[:200]!r}")
                message = json.loads(raw)["choices"][0]["message"]
                if not message.get("videos"):
                    raise RuntimeError("no video in the answer")
            finished.append(time.perf_counter() - t0)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    async with session(0, spec.get("timeout", 120)) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(client, body) for body in bodies))
        elapsed = time.perf_counter() - t0
    return {"completed": len(finished), "errors": len(errors), "error_sample": errors[:3], "elapsed": elapsed,
            "last_done_s": max(finished) if finished else None}


MODES = {"text": text, "stream": stream, "video": video, "jobs": jobs, "download": download}


def main() -> None:
    spec = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(MODES[spec["mode"]](spec))))


if __name__ == "__main__":
    main()

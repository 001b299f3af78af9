#!/usr/bin/env python3
"""Eight maximal JSON bodies at once (issue 25.7): memory and /healthz latency.

Starts `genproxy serve --emulator` in its own process and sends eight 25 MB chat bodies at once, each with
2,000,000 keys in `metadata` (the attack: it took RSS from 163 to 2,081 MB and stalled /healthz 6.3 s). The
same run sends, as a baseline, eight bodies of the same size that are one long string (nothing to amplify).
genproxy's RSS is sampled every 5 ms from /proc/<pid>/status and /healthz is asked every 10 ms meanwhile.
Targets: peak under 300 MB above idle, slowest /healthz under 100 ms.

    .venv/bin/python bench/json_amplification.py [--bodies 8]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import yaml

REPO = Path(__file__).resolve().parents[1]
GENPROXY = str(Path(sys.executable).with_name("genproxy"))
MB = 1024 * 1024
TARGET_MB, TARGET_HEALTHZ_MS = 300, 100


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def attack_body() -> bytes:
    keys = ", ".join(f'"{i:07d}": ""' for i in range(2_000_000))
    return ('{"model": "gemini-3-flash-preview", "messages": [{"role": "user", "content": "hi"}], '
            '"metadata": {' + keys + "}}").encode()


def plain_body(size: int) -> bytes:
    head = b'{"model": "gemini-3-flash-preview", "messages": [{"role": "user", "content": "'
    return head + b"a" * (size - len(head) - 4) + b'"}]}'


async def send_all(base: str, body: bytes, count: int, pid: int) -> tuple[float, float, list[int]]:
    """(peak RSS MB above the value at the start, slowest /healthz ms, statuses)."""
    idle = rss_kb(pid)
    peak, stop = [idle], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    slowest = 0.0
    async with aiohttp.ClientSession(headers={"Content-Type": "application/json"}) as http:
        async def post() -> int:
            async with http.post(f"{base}/v1/chat/completions", data=body) as resp:
                await resp.read()
                return resp.status

        sending = asyncio.gather(*(post() for _ in range(count)))
        while not sending.done():
            started = time.perf_counter()
            async with http.get(f"{base}/healthz") as resp:
                await resp.read()
            slowest = max(slowest, time.perf_counter() - started)
            await asyncio.sleep(0.01)
        statuses = await sending
    stop.set()
    sampler.join()
    return (peak[0] - idle) / 1024, slowest * 1000, statuses


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "genproxy.yaml"
        config.write_text(yaml.safe_dump({"data_dir": str(Path(home) / "data"), "discovery_at_startup": False}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_"))}
        env["HOME"] = home
        proc = subprocess.Popen([GENPROXY, "serve", "--emulator", "--port", "0", "--config", str(config),
                                 "--log-level", "WARNING"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env, cwd=REPO)
        try:
            line = proc.stdout.readline()
            base = line.split("listening on ", 1)[1].split()[0]
            await asyncio.sleep(1.0)
            attack = attack_body()
            plain = plain_body(len(attack))
            print(f"genproxy idle RSS: {rss_kb(proc.pid) / 1024:.0f} MB; bodies of {len(attack) / MB:.1f} MB")
            print(f"| {args.bodies} bodies at once | peak RSS above idle | slowest /healthz | answers |")
            print("|---|---|---|---|")
            for name, body in (("2,000,000 metadata keys", attack), ("one long string (baseline)", plain)):
                grown, slowest, statuses = await send_all(base, body, args.bodies, proc.pid)
                print(f"| {name} | {grown:.0f} MB | {slowest:.0f} ms | {sorted(set(statuses))} |")
            print(f"targets: under {TARGET_MB} MB above idle, /healthz under {TARGET_HEALTHZ_MS} ms")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    asyncio.run(main())

#!/usr/bin/env python3
"""Eight maximal JSON bodies at once (issue 25.7): memory and /healthz latency.

Starts `genproxy serve` in its own process, pointed at `genproxy emulator` in another (Google's work is not
genproxy's: its RSS and its event loop would be counted otherwise), and sends eight 28.6 MB chat bodies at
once, each with 2,000,000 keys in `metadata` (the attack: it took RSS from 163 to 2,081 MB and stalled /healthz
6.3 s); then eight bodies of the same size that are one long prompt. The bodies are sent from a child process,
so that writing 229 MB does not stall the loop that times /healthz. genproxy's RSS is sampled every 5 ms from
/proc/<pid>/status and /healthz is asked every 10 ms meanwhile. Targets: peak under 300 MB above idle, slowest
/healthz under 100 ms. --rounds repeats both kinds of body, alternated, and reports min and median.

    .venv/bin/python bench/json_amplification.py [--bodies 8] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
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
KINDS = ("2,000,000 metadata keys", "one long prompt")


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sender(base: str, kind: int, count: int, ready, go, out) -> None:
    """In a child process: build the body, say ready, wait for go, send ``count`` at once, report the statuses."""
    body = attack_body() if kind == 0 else plain_body(len(attack_body()))

    async def send() -> list[int]:
        async with aiohttp.ClientSession(headers={"Content-Type": "application/json"}) as http:
            async def post() -> int:
                async with http.post(f"{base}/v1/chat/completions", data=body) as resp:
                    await resp.read()
                    return resp.status
            return list(await asyncio.gather(*(post() for _ in range(count))))

    ready.set()
    go.wait()
    out.put(asyncio.run(send()))


async def one_round(base: str, kind: int, count: int, pid: int) -> tuple[float, float, list[int]]:
    """(peak RSS MB above the value at the start, slowest /healthz ms, statuses)."""
    spawn = multiprocessing.get_context("spawn")
    ready, go, out = spawn.Event(), spawn.Event(), spawn.Queue()
    child = spawn.Process(target=sender, args=(base, kind, count, ready, go, out), daemon=True)
    child.start()
    await asyncio.to_thread(ready.wait)
    idle = rss_kb(pid)
    peak, stop = [idle], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    slowest = 0.0
    async with aiohttp.ClientSession() as http:
        go.set()
        while child.is_alive() and out.empty():
            started = time.perf_counter()
            async with http.get(f"{base}/healthz") as resp:
                await resp.read()
            slowest = max(slowest, time.perf_counter() - started)
            await asyncio.sleep(0.01)
    statuses = await asyncio.to_thread(out.get, True, 60)
    child.join()
    stop.set()
    sampler.join()
    return (peak[0] - idle) / 1024, slowest * 1000, statuses


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=8, help="bodies sent at once (default 8)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both kinds, alternated (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "genproxy.yaml"
        config.write_text(yaml.safe_dump({"data_dir": str(Path(home) / "data"), "discovery_at_startup": False}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_"))}
        env["HOME"] = home
        port = free_port()
        emulator = subprocess.Popen([GENPROXY, "emulator", "--port", str(port), "--log-level", "WARNING",
                                     "--data-dir", str(Path(home) / "emulator")], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
        try:
            emulator.stdout.readline()  # "======== Running on ..." once it listens
            results: dict[int, list[tuple[float, float, list[int]]]] = {0: [], 1: []}
            for number in range(args.rounds):
                for kind in ((0, 1) if number % 2 == 0 else (1, 0)):
                    # A fresh genproxy each time: what one round allocated and kept is not the next one's idle.
                    proc = subprocess.Popen([GENPROXY, "serve", "--emulator-url", f"http://127.0.0.1:{port}",
                                             "--port", "0", "--config", str(config), "--log-level", "WARNING"],
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                                            cwd=REPO)
                    try:
                        line = proc.stdout.readline()
                        base = line.split("listening on ", 1)[1].split()[0]
                        await asyncio.sleep(1.0)
                        idle = rss_kb(proc.pid) / 1024
                        grown, slowest, statuses = await one_round(base, kind, args.bodies, proc.pid)
                    finally:
                        proc.terminate()
                        proc.wait(timeout=20)
                    results[kind].append((grown, slowest, statuses))
                    print(f"round {number + 1}: {KINDS[kind]}: idle {idle:.0f} MB, peak +{grown:.0f} MB, "
                          f"slowest /healthz {slowest:.0f} ms, answers {sorted(set(statuses))}", flush=True)
            print(f"| {args.bodies} bodies at once ({args.rounds} rounds) | peak RSS above idle, max (median) "
                  "| slowest /healthz, min (median) | answers |")
            print("|---|---|---|---|")
            for kind, rows in results.items():
                grown = [row[0] for row in rows]
                slowest = [row[1] for row in rows]
                answers = sorted({status for row in rows for status in row[2]})
                print(f"| {KINDS[kind]} | {max(grown):.0f} MB ({statistics.median(grown):.0f}) | "
                      f"{min(slowest):.0f} ms ({statistics.median(slowest):.0f}) | {answers} |")
            print(f"targets: under {TARGET_MB} MB above idle, /healthz under {TARGET_HEALTHZ_MS} ms")
        finally:
            emulator.terminate()
            emulator.wait(timeout=20)


if __name__ == "__main__":
    asyncio.run(main())

"""How soon the video is in hand after Google is done, and what polling costs (issue 26 items 2 and 3).

    .venv/bin/python bench/poll_delay.py                          # 100 jobs, durations median 30 s, spread 8 %
    .venv/bin/python bench/poll_delay.py --median 60 --sigma 0.15
    .venv/bin/python bench/poll_delay.py --jobs 1000 --finished 100000 --median 20   # many pending, big store

Starts the emulator and genproxy twice, once with the fixed poll schedule (poll_learned: false, the 5 s / 10 s
delays) and once with the learned plan (the default), alternating ``--rounds`` times. Each round sends ``--jobs``
concurrent video chat completions whose emulated operation takes a log-normal time (``[emulate:delay=N]``,
median ``--median`` s, log-spread ``--sigma``); with the learned plan, the first ``--warm`` rounds of each start only warm up (the
learned plan learns from them, as a proxy in service has from its history: the first round is polled on Google's
published range, which tells each duration only within a wide gap; the next one pins them down). Per measured round: the median and
p90 of (answer received - request sent - the operation's time), the upstream polls per job counted by the
emulator, and genproxy's CPU over the round as a share of one core. ``--finished N`` first writes N finished
jobs into genproxy's store (bench/store_size.py's rows).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import store_size

import bench


async def one_round(base: str, jobs: int, median: float, sigma: float, rng: random.Random, tag: str) -> list[float]:
    async def one(i: int, seconds: float) -> float:
        body = {"model": bench.VIDEO_MODEL,
                "messages": [{"role": "user", "content": f"A cat {tag}-{i} [emulate:delay={seconds:.2f}]"}]}
        sent = time.perf_counter()
        async with session.post(f"{base}/v1/chat/completions", json=body,
                                headers={"Authorization": f"Bearer {bench.CLIENT_KEY}"}) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return time.perf_counter() - sent - seconds

    timeout = aiohttp.ClientTimeout(total=median * 10 + 600)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        durations = [median * math.exp(rng.gauss(0, sigma)) for _ in range(jobs)]
        return await asyncio.gather(*(one(i, s) for i, s in enumerate(durations)))


def run(config: str, args, logdir: Path, round_index: int) -> dict:
    emu = bench.emulator(logdir, f"emulator-{config}-{round_index}", delay=1)
    data = logdir / f"genproxy-{config}-{round_index}-data"
    data.mkdir(parents=True, exist_ok=True)
    if args.finished:
        store_size.seed(data / "jobs.sqlite3", args.finished)
    try:
        proxy = bench.genproxy(logdir, f"genproxy-{config}-{round_index}", emu.base, data_dir=str(data),
                               poll_learned=config == "learned", max_jobs_per_key=args.jobs * 2,
                               job_timeout=args.median * 20 + 600)
        rng = random.Random(round_index)
        for warm in range(args.warm if config == "learned" else 0):  # the fixed schedule has nothing to learn
            asyncio.run(one_round(proxy.base, args.jobs, args.median, args.sigma, rng, f"warm{round_index}-{warm}"))
        bench.http("DELETE", f"{emu.base}/emulator/requests")
        cpu0, t0 = proxy.cpu_seconds(), time.perf_counter()
        delays = asyncio.run(one_round(proxy.base, args.jobs, args.median, args.sigma, rng, f"run{round_index}"))
        wall, cpu = time.perf_counter() - t0, proxy.cpu_seconds() - cpu0
        recorded = json.loads(bench.http("GET", f"{emu.base}/emulator/requests", timeout=30)[1])
        proxy.stop()
    finally:
        emu.stop()
    polls = [r for r in recorded if r["method"] == "GET" and "/operations/" in r["path"]]
    delays.sort()
    return {"median": statistics.median(delays), "p90": delays[int(0.9 * (len(delays) - 1))],
            "polls_per_job": len(polls) / args.jobs, "cpu_pct": 100 * cpu / wall, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--median", type=float, default=30.0)
    parser.add_argument("--sigma", type=float, default=0.08)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--finished", type=int, default=0)
    parser.add_argument("--warm", type=int, default=2, help="rounds before the measured one, per start")
    args = parser.parse_args()
    results: dict[str, list[dict]] = {"fixed": [], "learned": []}
    with tempfile.TemporaryDirectory(prefix="genproxy-poll-delay-") as folder:
        try:
            for index in range(args.rounds):
                for config in ("fixed", "learned") if index % 2 == 0 else ("learned", "fixed"):
                    outcome = run(config, args, Path(folder), index)
                    bench.log(f"{config} round {index}: {outcome}")
                    results[config].append(outcome)
        finally:
            bench.stop_all()
    print(f"poll delay: {args.jobs} concurrent jobs, operations log-normal median {args.median:g} s, sigma "
          f"{args.sigma:g}, {args.finished:,} finished jobs in the store, {args.rounds} rounds (min / median)")
    print("| schedule | delay after Google is done, median s | p90 s | upstream polls per job | genproxy CPU, % of a core |")
    print("|---|---:|---:|---:|---:|")
    for config, rows in results.items():
        cells = []
        for key in ("median", "p90", "polls_per_job", "cpu_pct"):
            values = [r[key] for r in rows]
            cells.append(f"{min(values):.2f} / {statistics.median(values):.2f}")
        print(f"| {config} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

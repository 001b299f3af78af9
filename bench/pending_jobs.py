"""What 1,000 pending video jobs cost genproxy while they poll, with an empty store and with 100k finished jobs
in it (issue 26 item 3: at most 10 % of one core in both cases).

    .venv/bin/python bench/pending_jobs.py                               # 1,000 jobs, 100k finished, 3 rounds
    .venv/bin/python bench/pending_jobs.py --jobs 1000 --finished 100000 --rounds 5 --delay 60
    .venv/bin/python bench/pending_jobs.py --quick                       # smoke (tests/bench/)
    .venv/bin/python bench/pending_jobs.py --profile /tmp/polls          # cProfile genproxy (bench/profiled_serve.py)

Each round starts the emulator (operations take ``--delay`` s) and genproxy twice, once on an empty store and once
on a copy of a store holding ``--finished`` finished jobs (written once, before the first round, by
bench/store_size.py's ``seed``: genproxy's own tables and row format, a ledger entry each, 50 keys over 90 days);
the two alternate from round to round. The load generator (bench/load.py ``jobs``) sends ``--jobs`` concurrent
video chat completions with numbered prompts (so they are that many jobs) and waits for every answer. genproxy
polls on its fixed schedule (``poll_learned: false``: after 5 s, x1.5, then every 10 s, ~100 polls/s for 1,000
jobs; the learned plan polls less, and differently on an empty and a full store, which would not compare).

Measured, from /proc/<pid>/stat (utime+stime) sampled every 0.25 s in this process:
  - while they poll: from 1 s after the last submit reached the emulator to 1 s before the first operation
    could be done (the emulator's request log has each request's time), genproxy's CPU as a share of one core,
    the upstream polls/s in that window (from the same log), and genproxy's CPU per poll; the same-run baseline
    is the emulator's CPU over the same window (it answers every one of those polls: an aiohttp server that
    parses each request, records it and answers a small JSON body);
  - the whole run (submit, polls, download, answer): genproxy's CPU share, as bench.py's "poll scale" row.
Reported per configuration: min / median over the rounds.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import store_size

import bench

SAMPLE_S = 0.25
MARGIN_S = 1.0


class CpuTrace(bench.Sampler):
    """(time, genproxy CPU s, emulator CPU s) every SAMPLE_S seconds, in a thread; ``at(t)`` interpolates."""

    def __init__(self, proxy: bench.Server, emu: bench.Server):
        super().__init__(SAMPLE_S)
        self.proxy, self.emu, self.points = proxy, emu, []

    def sample(self) -> None:
        self.points.append((time.time(), self.proxy.cpu_seconds(), self.emu.cpu_seconds()))

    def at(self, when: float) -> tuple[float, float]:
        points = self.points
        for (t0, p0, e0), (t1, p1, e1) in zip(points, points[1:]):
            if t0 <= when <= t1:
                share = (when - t0) / (t1 - t0) if t1 > t0 else 0.0
                return p0 + share * (p1 - p0), e0 + share * (e1 - e0)
        raise ValueError(f"no CPU sample around {when}")


def spy_on(proxy: bench.Server, out: Path, delay: float) -> threading.Timer:
    """py-spy (bench/.venv-tools) sampling genproxy at 1 kHz from 10 s after the load starts (every job is
    submitted by then) to 5 s before the first operation is done: the polling alone, as collapsed stacks."""
    exe = bench.BENCH / ".venv-tools" / "bin" / "py-spy"
    if not exe.exists():
        raise SystemExit("--py-spy needs bench/.venv-tools: python3 -m venv bench/.venv-tools && "
                         "bench/.venv-tools/bin/pip install py-spy")
    command = [str(exe), "record", "--pid", str(proxy.proc.pid), "--rate", "1000", "--nonblocking", "--threads",
               "--format", "raw", "--duration", str(int(delay - 15)), "--output", str(out)]
    return threading.Timer(10, subprocess.run, args=(command,), kwargs={"capture_output": True})


def run(config: str, args, logdir: Path, template: Path | None, index: int) -> dict:
    slug = "empty" if template is None else "seeded"
    emu = bench.emulator(logdir, f"emulator-{index}-{slug}", delay=args.delay)
    data = logdir / f"genproxy-{index}-{slug}-data"
    data.mkdir(parents=True, exist_ok=True)
    if template is not None:
        shutil.copyfile(template, data / "jobs.sqlite3")
    launcher: tuple[str, ...] = ("-m", "proxy")
    if args.profile:
        out = Path(args.profile) / f"{slug}-{index}"
        launcher = (str(bench.BENCH / "profiled_serve.py"), "--out", str(out))
    proxy = None
    try:
        proxy = bench.genproxy(logdir, f"genproxy-{index}-{slug}", emu.base, launcher=launcher,
                               data_dir=str(data), poll_learned=False, max_jobs_per_key=args.jobs * 2,
                               job_timeout=args.delay * 10 + 600)
        bench.http("DELETE", f"{emu.base}/emulator/requests")
        spec = {"mode": "jobs", "url": f"{proxy.base}/v1/chat/completions", "body": bench.VIDEO_REQUEST,
                "headers": {"Authorization": f"Bearer {bench.CLIENT_KEY}"}, "concurrency": args.jobs,
                "timeout": args.delay * 4 + 120}
        spy = spy_on(proxy, Path(args.py_spy) / f"{slug}-{index}.txt", args.delay) if args.py_spy else None
        with CpuTrace(proxy, emu) as trace:
            time.sleep(2 * SAMPLE_S)
            t0 = time.time()
            if spy is not None:
                spy.start()
            outcome = bench.load(spec, timeout=args.delay * 4 + 180)
            t1 = time.time()
            time.sleep(2 * SAMPLE_S)
        recorded = json.loads(bench.http("GET", f"{emu.base}/emulator/requests", timeout=60)[1])
    finally:
        if proxy is not None:
            proxy.stop()
        emu.stop()
    submits = sorted(r["time"] for r in recorded if r["method"] == "POST" and r["path"].endswith(":predictLongRunning"))
    polls = sorted(r["time"] for r in recorded if r["method"] == "GET" and "/operations/" in r["path"])
    start, end = submits[-1] + MARGIN_S, submits[0] + args.delay - MARGIN_S
    if end - start < 5:
        raise RuntimeError(f"{config}: submitting took {submits[-1] - submits[0]:.1f} s, leaving no window of "
                           f"polling alone within --delay {args.delay} s; raise --delay")
    (p_start, e_start), (p_end, e_end) = trace.at(start), trace.at(end)
    window = end - start
    in_window = sum(1 for t in polls if start <= t <= end)
    whole_proxy = trace.at(t1)[0] - trace.at(t0)[0]
    return {"completed": outcome["completed"], "errors": outcome["errors"], "error_sample": outcome["error_sample"],
            "submit_s": submits[-1] - submits[0], "window_s": window, "polls": in_window,
            "polls_per_s": in_window / window, "proxy_pct": 100 * (p_end - p_start) / window,
            "emulator_pct": 100 * (e_end - e_start) / window,
            "proxy_ms_per_poll": 1000 * (p_end - p_start) / max(1, in_window),
            "emulator_ms_per_poll": 1000 * (e_end - e_start) / max(1, in_window),
            "whole_s": t1 - t0, "whole_pct": 100 * whole_proxy / (t1 - t0),
            "polls_per_job": len(polls) / args.jobs}


ROWS = [("jobs completed", None), ("submitting took, s", "submit_s"), ("polling window, s", "window_s"),
        ("upstream polls/s while they poll", "polls_per_s"),
        ("genproxy CPU while they poll, % of one core", "proxy_pct"),
        ("emulator CPU (baseline: answers those polls), % of one core", "emulator_pct"),
        ("genproxy CPU ms per poll", "proxy_ms_per_poll"), ("emulator CPU ms per poll", "emulator_ms_per_poll"),
        ("genproxy CPU over the whole run (submit, polls, download, answer), % of one core", "whole_pct"),
        ("upstream polls per job", "polls_per_job")]


def table(results: dict[str, list[dict]], jobs: int) -> list[str]:
    configs = list(results)
    lines = ["| measurement (min / median) | " + " | ".join(configs) + " |", "|---|" + "---:|" * len(configs)]
    for label, key in ROWS:
        cells = []
        for config in configs:
            rows = results[config]
            if key is None:
                cells.append(" ".join(f"{r['completed']}/{jobs}" for r in rows))
            else:
                values = [r[key] for r in rows]
                digits = 3 if "per_poll" in key else 1 if key != "polls_per_job" else 2
                cells.append(f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--finished", type=int, default=100_000, help="finished jobs in the full store")
    parser.add_argument("--delay", type=float, default=60.0, help="seconds each emulated operation takes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stores", nargs="+", choices=["empty", "seeded"], default=["empty", "seeded"])
    parser.add_argument("--quick", action="store_true", help="smoke: 20 jobs, 2,000 finished, 12 s, 1 round")
    parser.add_argument("--profile", help="a folder: genproxy runs under cProfile (bench/profiled_serve.py) "
                                          "and writes <config>-<round>.main.prof and .genproxy-jobs.prof there")
    parser.add_argument("--py-spy", help="a folder: py-spy samples genproxy while the jobs poll and writes "
                                         "<config>-<round>.txt there (collapsed stacks; bench/.venv-tools)")
    parser.add_argument("--json", help="write the raw figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.finished, args.delay, args.rounds = 20, 2_000, 12.0, 1
    for folder_arg in (args.profile, args.py_spy):
        if folder_arg:
            Path(folder_arg).mkdir(parents=True, exist_ok=True)
    names = {"empty": "empty store", "seeded": f"{args.finished:,} finished jobs"}
    results: dict[str, list[dict]] = {names[s]: [] for s in args.stores}
    with tempfile.TemporaryDirectory(prefix="genproxy-pending-jobs-") as folder:
        logdir = Path(folder)
        template = logdir / "seeded.sqlite3"
        started = time.perf_counter()
        if "seeded" in args.stores:
            store_size.seed(template, args.finished)
            bench.log(f"seeded {args.finished:,} finished jobs in {time.perf_counter() - started:.1f} s "
                      f"({template.stat().st_size / 1e6:.0f} MB)")
        try:
            for index in range(args.rounds):
                order = list(results) if index % 2 == 0 else list(results)[::-1]
                for config in order:
                    outcome = run(config, args, logdir, None if config == "empty store" else template, index)
                    bench.log(f"{config}, round {index}: " + json.dumps({k: round(v, 3) if isinstance(v, float)
                                                                           else v for k, v in outcome.items()}))
                    results[config].append(outcome)
        finally:
            bench.stop_all()
    print(f"{args.jobs:,} pending video jobs polled on the fixed schedule (5 s, x1.5, every 10 s), operations of "
          f"{args.delay:g} s, {args.rounds} round(s), the stores alternated")
    print("\n".join(table(results, args.jobs)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0 if all(r["completed"] == args.jobs for rows in results.values() for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

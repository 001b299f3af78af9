"""Paid videos lost to a SIGKILL during a burst of creates (issue 25 item 8).

    .venv/bin/python bench/submit_interrupted.py                       # 8 bursts of 60 on each store
    .venv/bin/python bench/submit_interrupted.py --bursts 4 --stores sqlite --kill-delay-ms 5

Google bills an operation once it has accepted it (answered predictLongRunning with its name); genproxy can poll
it to the end only if that name reached its job store before the process died. Each burst: the emulator runs in
this process, genproxy (``genproxy serve``) in its own; ``--burst`` concurrent ``POST /v1/videos`` (numbered
prompts: different jobs); ``--kill-delay-ms`` after the emulator accepted the Nth operation, genproxy gets SIGKILL
(N goes from 5 to 30 over the bursts). genproxy is started again on the same store, every job is waited for to
finish, and each operation the emulator accepted is looked up among the jobs' operation names: one no job names
ended with its job failed ``submit_interrupted`` — a paid video never delivered. Target: at most 1 in 20.

The kill lands on its own thread, so the emulator may still accept requests genproxy sent before it died:
those are counted (lost, "accepted after the kill"), as Google would bill them too.

The baseline in the same run, a burst on each store that nobody kills: how long from the emulator's answer
(when it made the operation) to the durable record of its name (genproxy logs "job ... started" after the write
has committed: an upper bound), median / p90 / max, and how long until all the burst's creates were answered.
A kill loses the operations whose answers are inside that window, and those sent but not yet answered.

PostgreSQL (``--stores`` postgresql) needs Debian's binaries (/usr/lib/postgresql/*/bin), as tests/postgres.py;
its server runs here with fsync and synchronous_commit on, as a real one would.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from proxy.emulator import EmulatorSettings, RunningEmulator, start_emulator  # noqa: E402
from proxy.http.middleware import key_id  # noqa: E402
from proxy.jobs.backends import open_store  # noqa: E402
from tests.postgres import PostgresServer, find_binaries  # noqa: E402

CLIENT_KEY = "bench-client-key"
UPSTREAM_KEY = "bench-upstream-key"
VEO = "veo-3.1-generate-preview"
TARGET = 1 / 20
STARTED = re.compile(r"^(\S+ \S+) INFO genproxy\.jobs: job \S+ started: model=\S+ operation=(\S+)")


class Watched(dict):
    """The emulator's operations: calls ``on_add(count)`` as each is made (before its answer is sent)."""

    def __init__(self, on_add: Callable[[int], None]):
        super().__init__()
        self.on_add = on_add

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.on_add(len(self))


@dataclass
class Burst:
    store: str
    kill_after: int | None          # the Nth accepted operation; None: not killed (the baseline)
    accepted: int = 0               # operations the emulator made
    lost: int = 0                   # of those, named by no job: its job ended submit_interrupted
    interrupted: int = 0            # jobs that ended submit_interrupted (some were never accepted)
    jobs: int = 0
    before: int = 0                 # accepted before the kill (answered to a live genproxy)
    lost_before: int = 0
    burst_s: float = 0.0            # until the last create was answered
    killed: dict = field(default_factory=dict)  # late_ms: after the Nth accept; count: accepted by then
    windows_ms: list[float] = field(default_factory=list)  # answer -> durable record, per operation


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_genproxy(config: Path, port: int, log: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(config), "--port", str(port),
        "--routes", str(REPO / "routes.yaml"), cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=open(log, "ab"))
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    if b"listening on" not in line:
        raise RuntimeError(f"genproxy did not start: {line!r}; see {log}")
    return proc


def write_config(folder: Path, emulator: RunningEmulator, jobs_db: str | None) -> Path:
    config = folder / "genproxy.yaml"
    settings = {
        "api_keys": [CLIENT_KEY], "gemini_api_keys": [UPSTREAM_KEY], "gemini_base_url": emulator.base_url,
        "default_video_model": VEO,  # a Veo operation (the default video model is Gemini Omni)
        "auth_dir": str(folder / "auth"), "data_dir": str(folder / "data"), "max_jobs_per_key": 1000,
        "poll_initial_delay": 0.1, "poll_max_delay": 0.3, "discovery_at_startup": False,
    }
    if jobs_db:
        settings["jobs_db"] = jobs_db
    config.write_text(yaml.safe_dump(settings))
    return config


async def wait_finished(folder: Path, jobs_db: str | None, expect: int, timeout: float = 60):
    """Every job of the burst, once each has ended (read from the store, as another instance would)."""
    store = open_store(SimpleNamespace(jobs_db=jobs_db, data_dir=folder / "data"))
    await store.open()
    try:
        deadline = time.monotonic() + timeout
        while True:
            jobs, _more = await store.page(key_id(CLIENT_KEY), after=None, limit=1000, order="asc")
            if all(job.finished for job in jobs) and len(jobs) >= expect or time.monotonic() > deadline:
                return jobs
            await asyncio.sleep(0.1)
    finally:
        await store.close()


def record_times(log: Path) -> dict[str, float]:
    """operation -> when genproxy logged it recorded (after the commit), from its log."""
    times = {}
    for line in log.read_text(errors="replace").splitlines():
        found = STARTED.match(line)
        if found:
            stamp = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            times[found.group(2)] = stamp
    return times


async def burst(emulator: RunningEmulator, folder: Path, store: str, jobs_db: str | None, size: int,
                kill_after: int | None, kill_delay: float, tag: str) -> Burst:
    """One burst of ``size`` creates; genproxy is killed ``kill_delay`` s after the ``kill_after``th accept."""
    folder.mkdir(parents=True)
    config = write_config(folder, emulator, jobs_db)
    log = folder / "genproxy.log"
    port = free_port()
    proc = await start_genproxy(config, port, log)
    made: dict[str, float] = {}
    killed: dict[str, float] = {}

    def kill(nth_at: float) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        now = time.time()
        killed.update(at=now, late_ms=1000 * (now - nth_at), count=len(operations))

    def on_add(count: int) -> None:
        if count == kill_after:  # a timer thread: the kill lands on time however busy this loop is
            threading.Timer(kill_delay, kill, (time.time(),)).start()

    operations = Watched(on_add)
    emulator.state.operations = operations
    result = Burst(store=store, kill_after=kill_after)
    try:
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {CLIENT_KEY}"}, timeout=timeout,
                                         connector=aiohttp.TCPConnector(limit=0)) as http:
            async def create(i: int) -> int | None:
                body = {"prompt": f"Burst cat {tag}-{i} [emulate:delay=1]"}
                try:
                    async with http.post(f"http://127.0.0.1:{port}/v1/videos", json=body) as resp:
                        await resp.read()
                        return resp.status
                except aiohttp.ClientError:
                    return None  # genproxy died under this request

            sent = time.perf_counter()
            await asyncio.gather(*(create(i) for i in range(size)))
            result.burst_s = time.perf_counter() - sent
        await proc.wait() if kill_after else None
        made = {name: op.created for name, op in operations.items()}
        # Started again on the same store: it settles what the killed process left (or nothing).
        if kill_after:
            proc = await start_genproxy(config, port, log)
        jobs = await wait_finished(folder, jobs_db, expect=0 if kill_after else size)
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
    recorded = {job.operation for job in jobs if job.operation}
    result.accepted = len(made)
    result.lost = len(set(made) - recorded)
    if killed:
        before = {name for name, created in made.items() if created < killed["at"]}
        result.before, result.lost_before = len(before), len(before - recorded)
    result.jobs = len(jobs)
    result.killed = killed
    result.interrupted = sum(1 for job in jobs if (job.error or {}).get("code") == "submit_interrupted")
    if result.lost > result.interrupted:
        raise AssertionError(f"{result.lost} accepted operations have no job at all ({result})")
    logged = record_times(log)
    result.windows_ms = [1000 * (logged[name] - made[name]) for name in made if name in logged]
    return result


class Postgres:
    """A PostgreSQL server for the run, durable as in service (fsync and synchronous_commit on)."""

    def __init__(self):
        bindir = find_binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin)")
        self.server = PostgresServer(bindir, durable=True)
        self.server.start()
        self.count = 0

    def new_database(self) -> str:
        self.count += 1
        return self.server.create_database(f"genproxy_bench_{self.count}")

    def stop(self) -> None:
        self.server.stop()


async def run(stores: list[str], bursts: int, size: int, kill_delay: float, folder: Path,
              progress: Callable[[Burst], None] = lambda b: None) -> list[Burst]:
    """``bursts`` killed bursts per store (the Nth accept from 5 to 30, stores alternating), then one that is
    not killed per store (the baseline: the answer-to-record window)."""
    emulator = await start_emulator(settings=EmulatorSettings(operation_delay=1, catalog="2026-11"))
    postgres = Postgres() if "postgresql" in stores else None
    results = []
    try:
        plan = [(round(5 + 25 * i / max(1, bursts - 1)), store) for i in range(bursts) for store in stores]
        plan += [(None, store) for store in stores]
        for index, (kill_after, store) in enumerate(plan):
            jobs_db = postgres.new_database() if store == "postgresql" and postgres else None
            outcome = await burst(emulator, folder / f"burst-{index}-{store}", store, jobs_db, size, kill_after,
                                  kill_delay, tag=str(index))
            progress(outcome)
            results.append(outcome)
    finally:
        await emulator.close()
        if postgres is not None:
            postgres.stop()
    return results


def table(results: list[Burst], size: int, kill_delay: float) -> str:
    lines = [f"SIGKILL {kill_delay * 1000:g} ms after the Nth accepted operation of a burst of {size} creates "
             f"(N from 5 to 30); target: at most 1 in {round(1 / TARGET)} accepted operations lost",
             "| store | bursts | accepted | lost (submit_interrupted) | share | target met | of the lost, accepted "
             "after the kill | not killed: answer -> record, ms (median / p90 / max) | not killed: burst answered, s |",
             "|---|---:|---:|---:|---:|---|---:|---|---:|"]
    for store in dict.fromkeys(r.store for r in results):
        killed = [r for r in results if r.store == store and r.kill_after]
        calm = [r for r in results if r.store == store and not r.kill_after]
        accepted, lost = sum(r.accepted for r in killed), sum(r.lost for r in killed)
        after = lost - sum(r.lost_before for r in killed)
        windows = sorted(w for r in calm for w in r.windows_ms)
        window = (f"{statistics.median(windows):.1f} / {windows[int(0.9 * (len(windows) - 1))]:.1f} / "
                  f"{windows[-1]:.1f}") if windows else "-"
        share = lost / accepted if accepted else 0.0
        took = f"{statistics.median(r.burst_s for r in calm):.2f}" if calm else "-"
        lines.append(f"| {store} | {len(killed)} | {accepted} | {lost} | {100 * share:.1f} % | "
                     f"{'yes' if share <= TARGET else 'no'} | {after} | {window} | {took} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bursts", type=int, default=8, help="killed bursts per store")
    parser.add_argument("--burst", type=int, default=60, help="concurrent creates per burst")
    parser.add_argument("--kill-delay-ms", type=float, default=5.0)
    parser.add_argument("--stores", default="sqlite,postgresql" if find_binaries() else "sqlite")
    args = parser.parse_args()

    def progress(b: Burst) -> None:
        print(f"[{b.store}] kill after {b.kill_after}: accepted {b.accepted}, lost {b.lost}, jobs {b.jobs}, "
              f"interrupted {b.interrupted}; accepted before the kill {b.before}, of them lost {b.lost_before}; "
              f"kill {b.killed.get('late_ms', 0):.1f} ms after the Nth accept", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="genproxy-submit-") as folder:
        results = asyncio.run(run(args.stores.split(","), args.bursts, args.burst, args.kill_delay_ms / 1000,
                                  Path(folder), progress))
    print(table(results, args.burst, args.kill_delay_ms / 1000))


if __name__ == "__main__":
    main()

"""`genproxy serve --workers N`: N proxy processes on one port (SO_REUSEPORT), sharing the job store.

The supervisor starts the workers (each a `genproxy serve --reuse-port` on the same port; the kernel
spreads connections among them), passes their logs through (stderr is inherited: one stream, each line
naming its worker), announces the address once all are listening, replaces a worker that dies, and on
SIGTERM/SIGINT stops them all cleanly (they finish their submits and hand their jobs' leases over).
Jobs are shared through the store: SQLite under data_dir with leases, or PostgreSQL (jobs_db).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

log = logging.getLogger("genproxy.workers")

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 150.0  # a worker waits up to upstream_timeout for submits in flight
RESTART_DELAY = 1.0


def _reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound (not listening) to host:port with SO_REUSEPORT: it fixes port 0 to one number
    the workers then share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker_argv(args: argparse.Namespace, port: int, index: int, emulator_url: str | None) -> list[str]:
    argv = [sys.executable, "-m", "proxy", "serve", "--host", args.host, "--port", str(port), "--reuse-port",
            "--worker-index", str(index), "--log-level", args.log_level]
    if args.config:
        argv += ["--config", str(args.config)]
    if args.routes:
        argv += ["--routes", str(args.routes)]
    if emulator_url:
        argv += ["--emulator-url", emulator_url]
    return argv


class Supervisor:
    def __init__(self, args: argparse.Namespace, port: int, emulator_url: str | None):
        self.args = args
        self.port = port
        self.emulator_url = emulator_url
        self.workers: dict[int, asyncio.subprocess.Process] = {}
        self.stopping = False
        self._pipes: set[asyncio.Task] = set()

    async def start_worker(self, index: int) -> None:
        proc = await asyncio.create_subprocess_exec(*_worker_argv(self.args, self.port, index, self.emulator_url),
                                                    stdout=asyncio.subprocess.PIPE)
        self.workers[index] = proc
        assert proc.stdout is not None  # stdout=PIPE
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), READY_TIMEOUT)
        except TimeoutError:
            line = b""
        if b"listening on" not in line:
            raise RuntimeError(f"worker {index} (pid {proc.pid}) did not start"
                               + (f" (exit {proc.returncode})" if proc.returncode is not None else ""))
        task = asyncio.create_task(self._pass_output(proc))
        self._pipes.add(task)
        task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pass_output(proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None  # stdout=PIPE
        while line := await proc.stdout.readline():
            sys.stdout.buffer.write(line)
            sys.stdout.flush()

    async def watch(self, index: int) -> None:
        """Replace the worker if it dies while we are not stopping."""
        while not self.stopping:
            proc = self.workers[index]
            code = await proc.wait()
            if self.stopping:
                return
            log.error("worker %d (pid %d) exited with %s; starting another", index, proc.pid, code)
            _forget_worker_metrics(proc.pid)
            await asyncio.sleep(RESTART_DELAY)
            if self.stopping:
                return
            try:
                await self.start_worker(index)
            except RuntimeError as exc:
                log.error("%s; retrying", exc)

    async def stop(self) -> None:
        self.stopping = True
        for proc in self.workers.values():
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for index, proc in self.workers.items():
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log.error("worker %d (pid %d) did not stop in %.0f s; killing it", index, proc.pid, STOP_TIMEOUT)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        for task in list(self._pipes):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 5)


def prepare_metrics_dir(settings) -> Path:
    """An empty folder for prometheus-client's multiprocess files, named to the workers by the environment
    they inherit (PROMETHEUS_MULTIPROC_DIR), so GET /metrics on any worker sums the counts of all."""
    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / f"metrics-{os.getpid()}")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def _forget_worker_metrics(pid: int) -> None:
    with contextlib.suppress(Exception):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


async def supervise(args: argparse.Namespace, settings, emulator_url: str | None, upstream: str) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    metrics_dir = prepare_metrics_dir(settings)
    reserved = _reserve_port(args.host, args.port)
    supervisor = Supervisor(args, reserved.getsockname()[1], emulator_url)
    watchers: list[asyncio.Task] = []
    try:
        try:
            await asyncio.gather(*(supervisor.start_worker(i) for i in range(args.workers)))
        except RuntimeError as exc:
            print(f"genproxy: {exc}", file=sys.stderr)
            return 1
        finally:
            reserved.close()
        print(f"genproxy listening on http://{args.host}:{supervisor.port} with {args.workers} workers "
              f"(pids {', '.join(str(p.pid) for p in supervisor.workers.values())}), routes from "
              f"{settings.routes_file}, gemini upstream: {upstream}", flush=True)
        watchers = [asyncio.create_task(supervisor.watch(i)) for i in range(args.workers)]
        await stop.wait()
        return 0
    finally:
        await supervisor.stop()
        for task in watchers:
            task.cancel()
        shutil.rmtree(metrics_dir, ignore_errors=True)

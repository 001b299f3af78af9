"""genproxy benchmarks: genproxy against baselines measured in the same run, on the same machine.

Baselines, all in front of the same emulator (each server in its own process, the load
generator bench/load.py in another, one worker each, loopback only):
  direct    the client talks to the emulator itself
  relay     bench/relay.py, a bare aiohttp pass-through (the ceiling of a Python proxy)
  LiteLLM   its proxy, from bench/.venv-litellm (made on demand; --no-litellm skips it)

Run it with bench/run (--quick for a smoke version). Prints one markdown table; the raw
figures go to bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PY = sys.executable
LOAD = BENCH / "load.py"
LITELLM_VENV = BENCH / ".venv-litellm"
CLIENT_KEY = "bench-client-key"
UPSTREAM_KEY = "bench-upstream-key"
LITELLM_KEY = "sk-bench-master-key"
MODEL = "gemini-3-flash-preview"
VIDEO_MODEL = "veo-3.1-generate-preview"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


# ---------------------------------------------------------------- processes

def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids + [k for kid in kids for k in _children(kid)]


def _status_kb(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Server:
    name: str
    cmd: list[str]
    ready_url: str
    env: dict = field(default_factory=dict)
    logdir: Path = Path("/tmp")
    proc: subprocess.Popen | None = None
    startup_s: float | None = None

    def start(self, timeout: float = 60) -> Server:
        logfile = open(self.logdir / f"{self.name}.log", "wb")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.cmd, cwd=REPO, env={**os.environ, **self.env}, stdout=logfile,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        RUNNING.append(self)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {logfile.name}:\n"
                                   + (self.logdir / f"{self.name}.log").read_text()[-2000:])
            try:
                if http("GET", self.ready_url, timeout=1)[0] == 200:
                    self.startup_s = time.perf_counter() - t0
                    return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.ready_url} within {timeout} s")

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)] if self.proc else []

    def rss_mb(self) -> float:
        return sum(_status_kb(p, "VmRSS") for p in self.pids) / 1024

    def hwm_mb(self) -> float:
        return sum(_status_kb(p, "VmHWM") for p in self.pids) / 1024

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                pass
        return total / CLK_TCK

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and its workers only
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        if self in RUNNING:
            RUNNING.remove(self)


RUNNING: list[Server] = []


def stop_all() -> None:
    for server in list(RUNNING):
        server.stop()


class Sampler:
    """Calls ``sample()`` every ``interval`` seconds in a thread while the ``with`` block runs."""

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class RssSampler(Sampler):
    """Samples VmRSS of a server every ``interval`` seconds in a thread."""

    def __init__(self, server: Server, interval: float = 0.02):
        super().__init__(interval)
        self.server, self.peak = server, 0.0

    def sample(self) -> None:
        self.peak = max(self.peak, self.server.rss_mb())


def load(spec: dict, timeout: float = 300) -> dict:
    out = subprocess.run([PY, str(LOAD), json.dumps(spec)], capture_output=True, text=True, timeout=timeout,
                         cwd=REPO)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


# ---------------------------------------------------------------- the servers

def emulator(logdir: Path, name: str, delay: float, pad: int = 0) -> Server:
    port = free_port()
    # The 2026-11 catalog: the bench measures Veo on the Gemini API, which Google's 2026-12 catalog retired.
    cmd = [PY, "-m", "proxy", "emulator", "--catalog", "2026-11", "--port", str(port), "--delay", str(delay),
           "--pad-video", str(pad), "--log-level", "WARNING"]
    server = Server(name, cmd, f"http://127.0.0.1:{port}/emulator/health", logdir=logdir).start()
    server.base = f"http://127.0.0.1:{port}"
    return server


def genproxy(logdir: Path, name: str, upstream: str, args: tuple[str, ...] = (),
             launcher: tuple[str, ...] = ("-m", "proxy"), **config) -> Server:
    """``genproxy serve`` on a free port with ``config`` as its YAML; ``launcher``: what python runs instead of
    ``-m proxy`` (bench/profiled_serve.py and its options, for a profile)."""
    port = free_port()
    cfg = logdir / f"{name}.yaml"
    settings = {"data_dir": str(logdir / f"{name}-data"), "routes_file": str(REPO / "routes.yaml"), **config}
    cfg.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()))
    env = {"GEMINI_BASE_URL": upstream, "GEMINI_API_KEY": UPSTREAM_KEY, "GENPROXY_API_KEYS": CLIENT_KEY}
    cmd = [PY, *launcher, "serve", "--port", str(port), "--config", str(cfg), *args]
    server = Server(name, cmd, f"http://127.0.0.1:{port}/healthz", env=env, logdir=logdir).start()
    server.base = f"http://127.0.0.1:{port}"
    return server


def relay(logdir: Path, upstream: str) -> Server:
    port = free_port()
    cmd = [PY, str(BENCH / "relay.py"), "--port", str(port), "--upstream", upstream]
    server = Server("relay", cmd, f"http://127.0.0.1:{port}/emulator/health", logdir=logdir).start()
    server.base = f"http://127.0.0.1:{port}"
    return server


def ensure_litellm() -> tuple[Path | None, str]:
    """bench/.venv-litellm with litellm[proxy]; (None, reason) when it cannot be installed."""
    marker = LITELLM_VENV / ".installed"
    exe = LITELLM_VENV / "bin" / "litellm"
    if marker.exists() and exe.exists():
        return exe, ""
    log("installing litellm[proxy] into bench/.venv-litellm (first run only)")
    try:
        python = shutil.which("python3") or sys.executable
        if not (LITELLM_VENV / "bin" / "pip").exists():
            subprocess.run([python, "-m", "venv", str(LITELLM_VENV)], check=True, capture_output=True, timeout=120)
        subprocess.run([str(LITELLM_VENV / "bin" / "pip"), "install", "-q", "litellm[proxy]"], check=True,
                       capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return None, f"install failed: {exc} {detail[-300:].decode(errors='replace')}"
    if not exe.exists():
        return None, "install failed: no litellm executable"
    marker.touch()
    return exe, ""


def litellm(logdir: Path, exe: Path, upstream: str) -> Server:
    port = free_port()
    cfg = logdir / "litellm.yaml"
    cfg.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: gemini/{MODEL}\n"
        f"      api_base: {upstream}/v1beta\n"
        f"      api_key: {UPSTREAM_KEY}\n")
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MASTER_KEY": LITELLM_KEY, "LITELLM_MODE": "PRODUCTION",
           "NO_DOCS": "True", "DISABLE_SCHEMA_UPDATE": "True", "LITELLM_LOG": "ERROR",
           "LITELLM_TELEMETRY": "False"}
    cmd = [str(exe), "--config", str(cfg), "--host", "127.0.0.1", "--port", str(port), "--num_workers", "1"]
    server = Server("litellm", cmd, f"http://127.0.0.1:{port}/health/liveliness", env=env, logdir=logdir)
    server.start(timeout=120)
    server.base = f"http://127.0.0.1:{port}"
    return server


# ---------------------------------------------------------------- what each client sends

GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "Say hello to the benchmark"}]}]}
OPENAI_BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Say hello to the benchmark"}]}


def text_targets(servers: dict) -> dict[str, tuple[str, dict, dict, dict]]:
    """name -> (url, body, headers, streaming body+url) for each system under test."""
    out = {}
    gem = {"x-goog-api-key": UPSTREAM_KEY}
    for name in ("direct", "relay"):
        if name in servers:
            base = servers[name].base
            out[name] = (f"{base}/v1beta/models/{MODEL}:generateContent", GEMINI_BODY, gem,
                         (f"{base}/v1beta/models/{MODEL}:streamGenerateContent?alt=sse", GEMINI_BODY))
    for name, key in (("genproxy", CLIENT_KEY), ("genproxy-w2", CLIENT_KEY), ("litellm", LITELLM_KEY)):
        if name in servers:
            url = f"{servers[name].base}/v1/chat/completions"
            out[name] = (url, OPENAI_BODY, {"Authorization": f"Bearer {key}"}, (url, {**OPENAI_BODY, "stream": True}))
    return out


# ---------------------------------------------------------------- scenarios

@dataclass
class Sizes:
    seconds: float          # per throughput measurement
    requests: int           # cap per measurement
    warmup: int
    video_n: int
    video_bytes: int
    jobs_n: int
    jobs_delay: float
    jobs_poll: tuple[float, float]


FULL = Sizes(seconds=4, requests=20000, warmup=200, video_n=20, video_bytes=20_000_000,
             jobs_n=1000, jobs_delay=20, jobs_poll=(5.0, 10.0))
QUICK = Sizes(seconds=0.5, requests=500, warmup=10, video_n=3, video_bytes=1_000_000,
              jobs_n=20, jobs_delay=1.0, jobs_poll=(0.2, 0.5))


TEXT_ROUNDS = 3


def run_text(targets: dict, servers: dict, sizes: Sizes, emulator_base: str) -> dict:
    """Closed-loop load at concurrency 1 and 64; also the CPU time the server spent per request.

    c=64 goes round the servers TEXT_ROUNDS times (this machine is shared: a neighbour's burst should not
    decide a ratio); each server's run with the median req/s is reported, every round's req/s kept."""
    runs: dict = {}
    plan = [(1, 0)] + [(64, i) for i in range(TEXT_ROUNDS if sizes.seconds >= 2 else 1)]
    for conc, round_ in plan:
        for name, (url, body, headers, _) in targets.items():
            if name == "genproxy-w2" and conc != 64:
                continue
            log(f"text c={conc}: {name}" + (f" (round {round_ + 1})" if conc == 64 else ""))
            runs.setdefault((name, conc), []).append(
                _text_once(servers, name, url, body, headers, conc, sizes))
            # the emulator records every request: forget them so it does not grow during the run
            http("DELETE", f"{emulator_base}/emulator/requests?all=1")
    res: dict = {}
    for key, outs in runs.items():
        ranked = sorted(outs, key=lambda o: o["rps"])
        res[key] = {**ranked[(len(ranked) - 1) // 2], "rps_rounds": [o["rps"] for o in outs],
                    "errors": sum(o["errors"] for o in outs)}
    return res


def _text_once(servers: dict, name: str, url: str, body: dict, headers: dict, conc: int, sizes: Sizes) -> dict:
    warmup = min(sizes.warmup, 20 * conc)
    cpu0, emu0 = servers[name].cpu_seconds(), servers["direct"].cpu_seconds()
    out = load({"mode": "text", "url": url, "body": body, "headers": headers, "concurrency": conc,
                "requests": sizes.requests, "seconds": sizes.seconds, "warmup": warmup})
    n = max(1, out["requests"] + warmup)
    out["cpu_us_per_req"] = (servers[name].cpu_seconds() - cpu0) * 1e6 / n
    # Everything else on the machine's cores per request: the emulator (unless it is the server) and the
    # load generator (its own CPU from its warm-up on).
    out["emulator_cpu_us_per_req"] = 0.0 if name == "direct" else (servers["direct"].cpu_seconds() - emu0) * 1e6 / n
    out["load_cpu_us_per_req"] = out["cpu_s"] * 1e6 / n
    out["machine_cpu_us_per_req"] = out["cpu_us_per_req"] + out["emulator_cpu_us_per_req"] + out["load_cpu_us_per_req"]
    return out


def run_stream(targets: dict, sizes: Sizes) -> dict:
    res = {}
    for name, (_, _, headers, (url, body)) in targets.items():
        if name == "genproxy-w2":
            continue
        log(f"stream c=1: {name}")
        res[name] = load({"mode": "stream", "url": url, "body": body, "headers": headers, "concurrency": 1,
                          "requests": sizes.requests, "seconds": sizes.seconds, "warmup": min(20, sizes.warmup)})
    return res


def startup(logdir: Path, upstream: str, litellm_exe: Path | None, settle: float = 1.0) -> dict:
    """Time to the first 200 on the health URL, and RSS after a short idle, fresh processes."""
    out = {}
    for name, make in (("relay", lambda: relay(logdir, upstream)),
                       ("genproxy", lambda: genproxy(logdir, "genproxy-startup", upstream)),
                       ("litellm", (lambda: litellm(logdir, litellm_exe, upstream)) if litellm_exe else None)):
        if make is None:
            continue
        log(f"start-up: {name}")
        server = make()
        time.sleep(settle)
        out[name] = {"startup_s": server.startup_s, "idle_rss_mb": server.rss_mb()}
        server.stop()
    return out


async def _source_sha(emulator_base: str, body: dict) -> tuple[str, int, str]:
    """Make a video on the emulator directly and hash the padded file it serves."""
    import hashlib

    import aiohttp

    headers = {"x-goog-api-key": UPSTREAM_KEY}
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{emulator_base}/v1beta/models/{VIDEO_MODEL}:predictLongRunning", json=body,
                          headers=headers) as r:
            name = (await r.json())["name"]
        for _ in range(600):
            async with s.get(f"{emulator_base}/v1beta/{name}", headers=headers) as r:
                op = await r.json()
            if op.get("done"):
                break
            await asyncio.sleep(0.1)
        uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
        digest, size = hashlib.sha256(), 0
        async with s.get(uri, headers=headers) as r:
            async for chunk in r.content.iter_chunked(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size, uri


VIDEO_REQUEST = {"model": VIDEO_MODEL, "messages": [{"role": "user", "content": "A cat"}],
                 "modalities": ["video", "text"], "video_config": {"duration_seconds": 8}}
VEO_BODY = {"instances": [{"prompt": "A cat"}], "parameters": {"durationSeconds": 8, "aspectRatio": "16:9"}}


VIDEO_OPERATION_S = 1.0
VIDEO_ROUNDS = 5


def video_memory(logdir: Path, sizes: Sizes) -> dict:
    """20 concurrent videos through genproxy: peak RSS, byte-identical answers, and the time they take against
    20 concurrent downloads of the same file straight from the emulator (minus the operation's own second)."""
    emu = emulator(logdir, "emulator-video", delay=VIDEO_OPERATION_S, pad=sizes.video_bytes)
    try:
        proxy = genproxy(logdir, "genproxy-video", emu.base, poll_initial_delay=0.05, poll_max_delay=0.1,
                         max_jobs_per_key=max(16, sizes.video_n))
        time.sleep(0.5)
        idle = proxy.rss_mb()
        log(f"video memory: {sizes.video_n} x {sizes.video_bytes} B (idle RSS {idle:.1f} MB)")
        with RssSampler(proxy) as sampler:
            run = load({"mode": "video", "url": f"{proxy.base}/v1/chat/completions", "body": VIDEO_REQUEST,
                        "headers": {"Authorization": f"Bearer {CLIENT_KEY}"}, "concurrency": sizes.video_n,
                        "timeout": 300})
        peak = max(sampler.peak, proxy.hwm_mb())
        # The time row: the same requests again, the client only reading (decoding 400 MB of base64 in
        # the load generator would measure the client), against plain downloads of the same file by the
        # same client, alternated VIDEO_ROUNDS times on this shared machine; medians of each.
        source_sha, source_size, source_uri = asyncio.run(_source_sha(emu.base, VEO_BODY))
        rounds = []
        for i in range(VIDEO_ROUNDS if sizes.video_n >= 20 else 1):
            log(f"video: {sizes.video_n} concurrent videos through genproxy, timed (round {i + 1})")
            timed = load({"mode": "video", "url": f"{proxy.base}/v1/chat/completions", "body": VIDEO_REQUEST,
                          "headers": {"Authorization": f"Bearer {CLIENT_KEY}"}, "concurrency": sizes.video_n,
                          "timeout": 300, "verify": False})
            log(f"video: {sizes.video_n} concurrent raw downloads from the emulator (round {i + 1})")
            raw = load({"mode": "download", "url": source_uri, "headers": {"x-goog-api-key": UPSTREAM_KEY},
                        "concurrency": sizes.video_n, "timeout": 300})
            first = max(r.get("first_byte_s") or 0 for r in timed["results"])
            rounds.append({"through_s": timed["elapsed"] - VIDEO_OPERATION_S, "raw_s": raw["elapsed"],
                           "last_first_byte_s": first - VIDEO_OPERATION_S})
        proxy.stop()
    finally:
        emu.stop()
    ok = [r for r in run["results"] if r.get("sha256") == source_sha and r.get("bytes") == source_size]
    through, raw_s = _median([r["through_s"] for r in rounds]), _median([r["raw_s"] for r in rounds])
    return {"idle_rss_mb": idle, "peak_rss_mb": peak, "above_idle_mb": peak - idle, "n": sizes.video_n,
            "identical": len(ok), "source_bytes": source_size, "elapsed_s": run["elapsed"],
            "through_s": through, "raw_s": raw_s, "time_ratio": through / raw_s, "rounds": rounds,
            "ratios": [r["through_s"] / r["raw_s"] for r in rounds],
            "failures": [r for r in run["results"] if r not in ok][:3]}


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def poll_scale(logdir: Path, sizes: Sizes) -> dict:
    emu = emulator(logdir, "emulator-jobs", delay=sizes.jobs_delay)
    try:
        initial, maximum = sizes.jobs_poll
        # A cap that admits every job (one client key; the default cap of 16 would refuse the rest).
        proxy = genproxy(logdir, "genproxy-jobs", emu.base, poll_initial_delay=initial, poll_max_delay=maximum,
                         max_jobs_per_key=sizes.jobs_n)
        http("DELETE", f"{emu.base}/emulator/requests")
        log(f"poll scale: {sizes.jobs_n} concurrent video jobs, emulator delay {sizes.jobs_delay} s, "
            f"poll delays {initial}/{maximum} s")
        cpu0, t0 = proxy.cpu_seconds(), time.perf_counter()
        with RssSampler(proxy, interval=0.1) as sampler:
            run = load({"mode": "jobs", "url": f"{proxy.base}/v1/chat/completions", "body": VIDEO_REQUEST,
                        "headers": {"Authorization": f"Bearer {CLIENT_KEY}"}, "concurrency": sizes.jobs_n,
                        "timeout": sizes.jobs_delay * 4 + 60}, timeout=sizes.jobs_delay * 4 + 120)
        wall, cpu = time.perf_counter() - t0, proxy.cpu_seconds() - cpu0
        recorded = json.loads(http("GET", f"{emu.base}/emulator/requests", timeout=30)[1])
        proxy.stop()
    finally:
        emu.stop()
    polls = [r for r in recorded if r["method"] == "GET" and "/operations/" in r["path"]]
    return {"n": sizes.jobs_n, "completed": run["completed"], "errors": run["errors"],
            "error_sample": run["error_sample"], "wall_s": wall, "cpu_s": cpu, "cpu_pct": 100 * cpu / wall,
            "polls": len(polls), "polls_per_s": len(polls) / wall,
            "polls_per_job": len(polls) / max(1, sizes.jobs_n), "peak_rss_mb": sampler.peak,
            "last_done_s": run["last_done_s"]}


# ---------------------------------------------------------------- the table

def fmt(value, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}{unit}"


def build_table(r: dict, litellm_note: str) -> tuple[list[str], list[tuple[str, bool | None, str]]]:
    text, stream, start = r["text"], r["stream"], r["startup"]
    has_llm = ("litellm", 1) in text
    rows = ["| measurement | direct | relay | genproxy | LiteLLM | genproxy vs relay | genproxy vs LiteLLM |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    verdicts: list[tuple[str, bool | None, str]] = []

    def cell(name, conc, key, digits=1):
        return fmt(text.get((name, conc), {}).get(key), digits)

    def ratio(a, b, digits=2, unit="×"):
        return fmt(a / b, digits, unit) if a is not None and b else "—"

    for conc in (1, 64):
        g = text[("genproxy", conc)]
        rl = text[("relay", conc)]
        llm = text.get(("litellm", conc), {})
        rows.append(f"| text c={conc}: req/s | {cell('direct', conc, 'rps', 0)} | {cell('relay', conc, 'rps', 0)} "
                    f"| {cell('genproxy', conc, 'rps', 0)} | {cell('litellm', conc, 'rps', 0)} "
                    f"| {ratio(g['rps'], rl['rps'])} | {ratio(g['rps'], llm.get('rps'), 1)} |")
        for key, label in (("p50_ms", "p50 ms"), ("p99_ms", "p99 ms")):
            rows.append(f"| text c={conc}: {label} | {cell('direct', conc, key, 2)} | {cell('relay', conc, key, 2)} "
                        f"| {cell('genproxy', conc, key, 2)} | {cell('litellm', conc, key, 2)} "
                        f"| {fmt(g[key] - rl[key], 2, ' ms') if g[key] is not None and rl[key] is not None else '—'} "
                        f"| {ratio(g[key], llm.get(key), 2)} |")
        rows.append(f"| text c={conc}: server CPU µs per request | {cell('direct', conc, 'cpu_us_per_req', 0)} "
                    f"| {cell('relay', conc, 'cpu_us_per_req', 0)} | {cell('genproxy', conc, 'cpu_us_per_req', 0)} "
                    f"| {cell('litellm', conc, 'cpu_us_per_req', 0)} | {ratio(g['cpu_us_per_req'], rl['cpu_us_per_req'])} "
                    f"| {ratio(g['cpu_us_per_req'], llm.get('cpu_us_per_req'), 2)} |")
        verdicts.append((f"text c={conc}: genproxy ≥ 80% of the relay's req/s", g["rps"] >= 0.8 * rl["rps"],
                         f"{100 * g['rps'] / rl['rps']:.0f}%"))
        if has_llm:
            verdicts.append((f"text c={conc}: genproxy ≥ 10× LiteLLM's req/s", g["rps"] >= 10 * llm["rps"],
                             f"{g['rps'] / llm['rps']:.1f}×"))
        else:
            verdicts.append((f"text c={conc}: genproxy ≥ 10× LiteLLM's req/s", None, litellm_note))
    w2, rl64, g64 = text.get(("genproxy-w2", 64)), text[("relay", 64)], text[("genproxy", 64)]
    if w2:
        per_round = ", ".join(f"{a / b:.2f}" for a, b in zip(w2.get("rps_rounds", []), rl64.get("rps_rounds", [])))
        rows.append(f"| text c=64, genproxy --workers 2: req/s (median of {len(w2.get('rps_rounds', [1]))} rounds) "
                    f"| | {fmt(rl64['rps'], 0)} | {fmt(w2['rps'], 0)} | "
                    f"| {ratio(w2['rps'], rl64['rps'])} (rounds: {per_round}) | |")
        rows.append(f"| text c=64, genproxy --workers 2: server CPU µs per request | | "
                    f"{fmt(rl64['cpu_us_per_req'], 0)} | {fmt(w2['cpu_us_per_req'], 0)} | "
                    f"| {ratio(w2['cpu_us_per_req'], rl64['cpu_us_per_req'])} | |")
        rows.append(f"| text c=64: CPU µs per request, whole machine (load generator + server + emulator) "
                    f"| {fmt(text[('direct', 64)]['machine_cpu_us_per_req'], 0)} | {fmt(rl64['machine_cpu_us_per_req'], 0)} "
                    f"| {fmt(g64['machine_cpu_us_per_req'], 0)} (--workers 2: {fmt(w2['machine_cpu_us_per_req'], 0)}) | "
                    f"| {ratio(w2['machine_cpu_us_per_req'], rl64['machine_cpu_us_per_req'])} (--workers 2) | |")
        rows.append(f"| text c=64, --workers 2: req/s ceiling when the cores are the limit (relay's whole-machine "
                    f"CPU per request ÷ genproxy's) | | | | | "
                    f"{ratio(rl64['machine_cpu_us_per_req'], w2['machine_cpu_us_per_req'])} | |")
        verdicts.append(("text c=64: genproxy --workers 2 ≥ 1.0× the single-process relay's req/s",
                         w2["rps"] >= rl64["rps"], f"{w2['rps'] / rl64['rps']:.2f}×"))
    verdicts.append(("text c=64: genproxy's CPU per request ≤ 1.5× the relay's",
                     g64["cpu_us_per_req"] <= 1.5 * rl64["cpu_us_per_req"],
                     f"{g64['cpu_us_per_req'] / rl64['cpu_us_per_req']:.2f}×"))
    added = text[("genproxy", 1)]["p50_ms"] - text[("direct", 1)]["p50_ms"]
    verdicts.append(("text c=1: genproxy p50 within 1 ms of direct", added <= 1.0, f"+{added:.2f} ms"))
    errors = sum(v.get("errors", 0) for v in text.values())
    rows.append(f"| text: failed requests (all runs) | | | | | {errors} | |")

    for key, label in (("ttfb_p50_ms", "stream: time to first event p50 ms"),
                       ("gap_p50_ms", "stream: inter-chunk delay p50 ms"),
                       ("gap_p99_ms", "stream: inter-chunk delay p99 ms")):
        vals = {n: stream.get(n, {}).get(key) for n in ("direct", "relay", "genproxy", "litellm")}
        add = vals["genproxy"] - vals["relay"] if None not in (vals["genproxy"], vals["relay"]) else None
        rows.append(f"| {label} | {fmt(vals['direct'], 2)} | {fmt(vals['relay'], 2)} | {fmt(vals['genproxy'], 2)} "
                    f"| {fmt(vals['litellm'], 2)} | {fmt(add, 2, ' ms')} | {ratio(vals['genproxy'], vals['litellm'], 2)} |")
        if key != "gap_p99_ms":
            verdicts.append((f"{label.split(' p50')[0]}: added over the relay < 1 ms", add is not None and add < 1.0,
                             fmt(add, 2, " ms")))

    llm_start = start.get("litellm", {})
    g_start = start["genproxy"]
    rows.append(f"| start-up to first 200 (s) | | {fmt(start['relay']['startup_s'], 2)} | {fmt(g_start['startup_s'], 2)} "
                f"| {fmt(llm_start.get('startup_s'), 2)} | | {ratio(g_start['startup_s'], llm_start.get('startup_s'), 2)} |")
    rows.append(f"| idle RSS (MB) | | {fmt(start['relay']['idle_rss_mb'])} | {fmt(g_start['idle_rss_mb'])} "
                f"| {fmt(llm_start.get('idle_rss_mb'))} | | {ratio(g_start['idle_rss_mb'], llm_start.get('idle_rss_mb'), 2)} |")
    if llm_start:
        verdicts.append(("start-up faster than LiteLLM's", g_start["startup_s"] < llm_start["startup_s"],
                         f"{g_start['startup_s']:.2f} s vs {llm_start['startup_s']:.2f} s"))
        verdicts.append(("idle RSS below LiteLLM's", g_start["idle_rss_mb"] < llm_start["idle_rss_mb"],
                         f"{g_start['idle_rss_mb']:.0f} MB vs {llm_start['idle_rss_mb']:.0f} MB"))

    v = r["video"]
    mb = v["source_bytes"] / 1e6
    rows.append(f"| video: {v['n']} × {mb:.0f} MB MP4, peak RSS above idle (MB) | | | {fmt(v['above_idle_mb'])} | | | |")
    rows.append(f"| video: answers byte-identical to the emulator's file | | | {v['identical']}/{v['n']} | | | |")
    verdicts.append((f"video: {v['n']} × {mb:.0f} MB, peak RSS above idle < 100 MB", v["above_idle_mb"] < 100,
                     f"{v['above_idle_mb']:.1f} MB"))
    verdicts.append(("video: every answer byte-identical (sha256)", v["identical"] == v["n"],
                     f"{v['identical']}/{v['n']}"))
    spread = ", ".join(f"{x:.1f}" for x in sorted(v.get("ratios", [v["time_ratio"]])))
    rows.append(f"| video: {v['n']} × {mb:.0f} MB through genproxy, s (minus the {VIDEO_OPERATION_S:.0f} s "
                f"operation) vs {v['n']} raw downloads, medians of {len(v.get('rounds', [1]))} alternated rounds "
                f"| | | {fmt(v['through_s'], 2)} vs {fmt(v['raw_s'], 2)} | "
                f"| {fmt(v['time_ratio'], 1, '×')} (rounds: {spread}) | |")
    verdicts.append((f"video: {v['n']} × {mb:.0f} MB take < 3× the raw download time (medians)", v["time_ratio"] < 3,
                     f"{v['time_ratio']:.1f}×"))

    p = r["poll"]
    rows.append(f"| poll scale: {p['n']} concurrent video jobs completed | | | {p['completed']}/{p['n']} | | | |")
    rows.append(f"| poll scale: genproxy CPU (% of one core, over {p['wall_s']:.0f} s) | | | {fmt(p['cpu_pct'])} | | | |")
    rows.append(f"| poll scale: upstream polls/s ({p['polls_per_job']:.1f} per job) | | | {fmt(p['polls_per_s'])} | | | |")
    rows.append(f"| poll scale: genproxy CPU ms per upstream poll | | | "
                f"{fmt(1000 * p['cpu_s'] / max(1, p['polls']), 2)} | | | |")
    verdicts.append((f"poll scale: all {p['n']} jobs complete", p["completed"] == p["n"], f"{p['completed']}/{p['n']}"))
    return rows, verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke version: tiny sizes, a few seconds")
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM baseline")
    parser.add_argument("--jobs", type=int, help="poll scale: number of concurrent video jobs (default 1000)")
    parser.add_argument("--seconds", type=float, help="seconds per throughput measurement")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "latest.json", help="raw figures file")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.jobs:
        sizes.jobs_n = args.jobs
    if args.seconds:
        sizes.seconds = args.seconds

    litellm_exe, litellm_note = None, "skipped (--no-litellm)"
    if not args.no_litellm:
        litellm_exe, reason = ensure_litellm()
        litellm_note = "" if litellm_exe else f"skipped: {reason}"

    logdir = Path(tempfile.mkdtemp(prefix="genproxy-bench-"))
    results: dict = {"sizes": sizes.__dict__, "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    t0 = time.perf_counter()
    try:
        emu = emulator(logdir, "emulator", delay=1.0)
        results["startup"] = startup(logdir, emu.base, litellm_exe, settle=0.2 if args.quick else 1.0)
        servers = {"direct": emu, "relay": relay(logdir, emu.base),
                   "genproxy": genproxy(logdir, "genproxy", emu.base),
                   "genproxy-w2": genproxy(logdir, "genproxy-w2", emu.base, args=("--workers", "2"))}
        if litellm_exe:
            try:
                servers["litellm"] = litellm(logdir, litellm_exe, emu.base)
            except RuntimeError as exc:
                litellm_note = f"skipped: did not start ({str(exc)[:200]})"
        targets = text_targets(servers)
        results["text"] = run_text(targets, servers, sizes, emu.base)
        http("DELETE", f"{emu.base}/emulator/requests?all=1")
        results["stream"] = run_stream(targets, sizes)
        for server in servers.values():
            server.stop()
        results["video"] = video_memory(logdir, sizes)
        results["poll"] = poll_scale(logdir, sizes)
    finally:
        stop_all()
    elapsed = time.perf_counter() - t0

    rows, verdicts = build_table(results, litellm_note)
    print(f"genproxy benchmark ({'quick' if args.quick else 'full'}; {os.cpu_count()} CPUs, Python "
          f"{results['machine']['python']}, one worker each unless said, loopback, {elapsed:.0f} s)\n")
    print("\n".join(rows))
    print("\n| target | met | figure |\n|---|---|---|")
    for label, met, figure in verdicts:
        print(f"| {label} | {'yes' if met else ('—' if met is None else '**no**')} | {figure} |")
    if litellm_note:
        print(f"\nLiteLLM: {litellm_note}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    serial = {k: ({f"{n}@c{c}" if isinstance((n, c), tuple) else n: v for (n, c), v in val.items()} if k == "text" else val)
              for k, val in results.items()}
    args.json.write_text(json.dumps(serial, indent=2, default=str))
    shutil.rmtree(logdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What a 100 MB multipart POST /v1/videos costs genproxy in memory (issue 14.2).

Starts `genproxy serve --emulator` in its own process, waits until it is idle, then sends 100 MB
multipart bodies over a raw socket, each as fast as loopback allows and to the end unless the server
closes the connection:

- a 100 MB `prompt` field (chunked, no length announced),
- a 100 MB `input_reference` file (chunked),
- a body announcing `Content-Length: 104857600` (over max_body_bytes),
- the same 100 MB `input_reference` with max_body_bytes raised to 200 MB (only the 20 MB field limit
  stops it), in a second server.

genproxy's RSS is sampled every 5 ms from /proc/<pid>/status; the table shows the peak above the
idle RSS measured in the same run, and that peak as a share of the body. Target: < 10 MB each.

    .venv/bin/python bench/multipart_memory.py [--mb 100]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
GENPROXY = str(Path(sys.executable).with_name("genproxy"))
BOUNDARY = "bench-boundary"
MB = 1024 * 1024
TARGET_MB = 10


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, home: Path, settings: dict):
        home.mkdir(parents=True, exist_ok=True)
        config = home / "genproxy.yaml"
        config.write_text(yaml.safe_dump({"data_dir": str(home / "data"), **settings}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_"))}
        env["HOME"] = str(home)
        self.proc = subprocess.Popen([GENPROXY, "serve", "--emulator", "--port", "0", "--config", str(config),
                                      "--log-level", "WARNING"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            raise SystemExit(f"genproxy did not start: {line!r}")
        self.port = int(line.split("listening on http://", 1)[1].split()[0].rsplit(":", 1)[1])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.005)


def send(port: int, head: bytes, filler: bytes, total: int, announce: bool) -> tuple[str, int]:
    """Send the body to its end (or until the server closes); returns (status line, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    length = f"Content-Length: {total}\r\n" if announce else "Transfer-Encoding: chunked\r\n"
    sock.sendall((f"POST /v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bench\r\n"
                  f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n").encode())

    def frame(data: bytes) -> bytes:
        return data if announce else f"{len(data):x}\r\n".encode() + data + b"\r\n"

    sent = 0
    try:
        sock.sendall(frame(head))
        sent = len(head)
        chunk = frame(filler)
        while sent < total:
            sock.sendall(chunk)
            sent += len(filler)
        if not announce:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: the rest of the body was never read
    try:
        status = sock.recv(65536).split(b"\r\n", 1)[0].decode()
    except (TimeoutError, ConnectionResetError):
        status = "(connection closed without an answer)"
    sock.close()
    return status, sent


def field_head(name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    mime = "Content-Type: image/png\r\n" if filename else ""
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nveo-3.1-generate-preview\r\n'
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{mime}\r\n").encode()


def measure(server: Server, name: str, head: bytes, total: int, announce: bool) -> dict:
    time.sleep(1.0)
    idle = rss_kb(server.proc.pid)
    sampler = Sampler(server.proc.pid)
    sampler.start()
    started = time.perf_counter()
    status, sent = send(server.port, head, b"a" * (256 * 1024), total, announce)
    elapsed = time.perf_counter() - started
    time.sleep(0.3)
    sampler.running = False
    sampler.join()
    peak_mb = max(0, sampler.peak - idle) / 1024
    return {"case": name, "status": status, "sent_mb": sent / MB, "idle_mb": idle / 1024, "peak_above_idle_mb": peak_mb,
            "share": peak_mb / (total / MB), "seconds": elapsed, "met": peak_mb < TARGET_MB}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="body size in MB (default 100)")
    args = parser.parse_args()
    total = args.mb * MB
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "default", {})
        try:
            rows.append(measure(server, f"{args.mb} MB prompt field (chunked)", field_head("prompt"), total, False))
            rows.append(measure(server, f"{args.mb} MB input_reference file (chunked)",
                                field_head("input_reference", "cat.png"), total, False))
            rows.append(measure(server, f"Content-Length {args.mb} MB (over max_body_bytes)",
                                field_head("prompt"), total, True))
        finally:
            server.stop()
        server = Server(Path(tmp) / "raised", {"max_body_bytes": 2 * total})
        try:
            rows.append(measure(server, f"{args.mb} MB input_reference, max_body_bytes {2 * args.mb} MB",
                                field_head("input_reference", "cat.png"), total, False))
        finally:
            server.stop()
    print(f"| case | answer | client sent MB | genproxy idle RSS MB | peak RSS above idle MB | share of body | "
          f"< {TARGET_MB} MB |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['status']} | {row['sent_mb']:.1f} | {row['idle_mb']:.1f} | "
              f"{row['peak_above_idle_mb']:.1f} | {row['share']:.1%} | {'yes' if row['met'] else 'NO'} |")
    return 0 if all(row["met"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

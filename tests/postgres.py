"""A real PostgreSQL server for the tests: initdb into a temporary folder, run it on its own port.

The binaries are Debian's postgresql package (/usr/lib/postgresql/<version>/bin; .ci/run installs it).
PostgreSQL refuses to run as root, so as root the server runs as `nobody` (through runuser).
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_USER = "nobody"


def find_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, bindir: Path, durable: bool = False):
        """``durable``: fsync and synchronous_commit on, as a server in service (bench/submit_interrupted.py
        times commits); the tests turn them off, which is faster and loses nothing but on a power cut."""
        self.bindir = bindir
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="genproxy-pg-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv

    def start(self) -> None:
        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, SERVER_USER)
        subprocess.run(self._as_server_user([str(self.bindir / "initdb"), "-D", str(data), "-A", "trust",
                                             "-U", "genproxy", "-E", "UTF8", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.run_server()

    def run_server(self) -> None:
        """Start postgres on the initialised folder (again, after halt())."""
        data = self.folder / "data"
        self.process = subprocess.Popen(self._as_server_user([
            str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.folder),
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
            *(() if self.durable else ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"))]),
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "server.log", "wb"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            ready = subprocess.run([str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not start in 30 s")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://genproxy@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "genproxy",
                        name], check=True, stdout=subprocess.DEVNULL)
        return self.url(name)

    def halt(self) -> None:
        """Stop the server now, keeping its data (SIGINT: "fast" shutdown, which still writes a checkpoint:
        with synchronous_commit off, an immediate one could lose the schema just created)."""
        if self.process is not None and self.process.poll() is None:
            # To postgres itself (runuser does not pass SIGQUIT on): its pid is postmaster.pid's first line.
            pid = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGINT)
            self.process.wait(15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: "smart" shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

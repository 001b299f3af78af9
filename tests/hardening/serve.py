"""A real `genproxy serve --emulator` process, its stderr collected as it runs."""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from tests.support import REPO

GENPROXY = str(Path(sys.executable).with_name("genproxy"))


class ServeProcess:
    def __init__(self, home: Path, settings: dict | None = None, nofile: int | None = None, args: tuple = ()):
        home.mkdir(parents=True, exist_ok=True)
        config = home / "genproxy.yaml"
        config.write_text(yaml.safe_dump({"data_dir": str(home / "data"), **(settings or {})}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_"))}
        env.update(HOME=str(home), PYTHONUNBUFFERED="1")

        def limit_fds():  # runs in the child: a small fd limit makes the flood cheap to reproduce
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen([GENPROXY, "serve", "--emulator", "--port", "0", "--config", str(config), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
                                     preexec_fn=limit_fds)
        self.stderr_lines: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            self.stop()
            raise AssertionError(f"serve did not start: {line!r} {''.join(self.stderr_lines)}")
        self.base_url = line.split("listening on ", 1)[1].split()[0]
        self.host, port = self.base_url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def stderr(self, settle: float = 0.3) -> str:
        time.sleep(settle)
        return "".join(self.stderr_lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(timeout=5)
            self.proc.stdout.close()
            self.proc.stderr.close()

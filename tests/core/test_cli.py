"""The `genproxy` command: help, serve (a real process), start-up refusals and errors."""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from proxy.cli import main as cli
from tests.support import REPO

GENPROXY = str(Path(sys.executable).with_name("genproxy"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(home: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GENPROXY_", "GEMINI_", "GOOGLE_")) and k not in ("PYTHONPATH",)}
    env.update(HOME=str(home), **extra)
    return env


def run(args, home: Path, timeout=60, **env) -> subprocess.CompletedProcess:
    return subprocess.run([GENPROXY, *args], capture_output=True, text=True, timeout=timeout,
                          env=clean_env(home, **env), cwd=REPO)


def subcommands() -> list[str]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(action.choices)


def test_top_level_help_explains_itself(tmp_path):
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    out = result.stdout
    assert "OpenAI-compatible" in out
    for name in subcommands():
        assert name in out, name
    for name in ("serve", "emulator", "plugins", "routes"):
        assert name in subcommands()


@pytest.mark.parametrize("command", subcommands())
def test_each_subcommand_help_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: genproxy {command}")
    # A description beyond the usage line, and every option has its own help text.
    body = out.split("\n\n", 1)[1]
    assert len(body.split()) > 8, out


def test_serve_help_names_the_environment(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    for name in ("GENPROXY_API_KEYS", "GEMINI_API_KEY", "GEMINI_BASE_URL", "GENPROXY_AUTH_DIR", "--emulator"):
        assert name in out, name


def test_no_command_is_a_usage_error(tmp_path):
    result = run([], tmp_path)
    assert result.returncode == 2
    assert "usage" in result.stderr


class Server:
    def __init__(self, args, home: Path, **env):
        self.proc = subprocess.Popen([GENPROXY, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=clean_env(home, **env), cwd=REPO)

    def first_line(self, timeout=30.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                return self.proc.stdout.readline()
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.proc.stderr.read()}")
        raise AssertionError("serve printed nothing")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()
            self.proc.stderr.close()


def get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_with_emulator_listens_answers_and_stops_on_sigterm(tmp_path):
    port = free_port()
    server = Server(["--emulator", "--port", str(port)], tmp_path)
    try:
        line = server.first_line()
        assert f"127.0.0.1:{port}" in line
        assert "routes.yaml" in line
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and body["status"] == "ok"
        status, body = get(f"http://127.0.0.1:{port}/v1/models")
        assert status == 200 and any(m["id"] == "veo-3.1-generate-preview" for m in body["data"])
        # Exactly one line on stdout while serving.
        assert select.select([server.proc.stdout], [], [], 0.2)[0] == []
    finally:
        code = server.stop()
    assert code == 0, "SIGTERM is a clean stop"


def test_serve_reports_the_routes_file_and_port_it_really_uses(tmp_path):
    routes = tmp_path / "my-routes.yaml"
    routes.write_text((REPO / "routes.yaml").read_text())
    server = Server(["--emulator", "--port", "0", "--routes", str(routes)], tmp_path,
                    GENPROXY_API_KEYS="cli-key-123456")
    try:
        line = server.first_line()
        assert str(routes) in line
        port = int(line.split("http://127.0.0.1:")[1].split()[0].rstrip("/"))
        assert port != 0, "with --port 0 the line names the port the OS chose"
        assert get(f"http://127.0.0.1:{port}/v1/models")[0] == 401, "GENPROXY_API_KEYS guards /v1"
        assert get(f"http://127.0.0.1:{port}/v1/models", {"Authorization": "Bearer cli-key-123456"})[0] == 200
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        assert server.stop() == 0


def test_serve_refuses_public_address_without_client_keys(tmp_path):
    for host in ("0.0.0.0", "::"):
        result = run(["serve", "--emulator", "--host", host, "--port", str(free_port())], tmp_path, timeout=30)
        assert result.returncode == 2, result.stderr
        assert "refusing" in result.stderr and host in result.stderr
        assert "GENPROXY_API_KEYS" in result.stderr
        assert "Traceback" not in result.stderr


def test_serve_on_public_address_with_keys_starts(tmp_path):
    port = free_port()
    server = Server(["--emulator", "--host", "0.0.0.0", "--port", str(port)], tmp_path,
                    GENPROXY_API_KEYS="cli-key-123456")
    try:
        assert f":{port}" in server.first_line()
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("text, key", [("max_body_byte: 10\n", "max_body_byte"),
                                       ("max_body_bytes: lots\n", "max_body_bytes")])
def test_serve_with_bad_config_exits_2_naming_the_key(tmp_path, text, key):
    config = tmp_path / "genproxy.yaml"
    config.write_text(text)
    result = run(["serve", "--config", str(config), "--port", str(free_port())], tmp_path, timeout=30)
    assert result.returncode == 2
    assert key in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_bad_routes_exits_2_naming_file_and_line(tmp_path):
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - {model: a, modality: text}\n  - {model: b, modality: sound}\n")
    result = run(["serve", "--emulator", "--routes", str(routes), "--port", str(free_port())], tmp_path, timeout=30)
    assert result.returncode == 2
    assert str(routes) in result.stderr and "line 3" in result.stderr and "sound" in result.stderr
    assert "Traceback" not in result.stderr


def test_routes_command_checks_a_file(tmp_path, capsys):
    assert cli.main(["routes", "--routes", str(REPO / "routes.yaml")]) == 0
    out = capsys.readouterr().out
    assert "veo-3.1-generate-preview" in out and "gemini-omni-1.2-flash" in out  # no glob: families serve new ids
    bad = tmp_path / "r.yaml"
    bad.write_text("routes:\n  - {model: a, modality: text, upstream: azure}\n")
    assert cli.main(["routes", "--routes", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "azure" in err and "line 2" in err


def test_serve_main_returns_2_on_config_error_in_process(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("api_keys: 5\n")
    assert cli.main(["serve", "--config", str(config), "--port", str(free_port())]) == 2
    assert "api_keys" in capsys.readouterr().err

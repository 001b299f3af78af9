"""Core fixtures: the echo plugin routed by a private routes.yaml."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.core.echo import EchoPlugin

ECHO_ROUTES = """\
  - {model: echo-1, modality: echo, upstream: gemini}
  - {model: echo-short, modality: echo, upstream: gemini, target: echo-upstream-v2, defaults: {tone: dry}}
  - {model: "echo-*", modality: echo, upstream: gemini, target: echo-glob}
"""


def rewrite(path: Path, text: str) -> None:
    """Replace a file and make sure its mtime moves, whatever the filesystem's granularity."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    after = max(time.time_ns(), before + 1_000_000_000)
    os.utime(path, ns=(after, after))


@pytest.fixture
def echo_routes(routes_file) -> Path:
    """The shipped routes plus routes to the echo modality."""
    routes_file.write_text(routes_file.read_text().rstrip("\n") + "\n" + ECHO_ROUTES)
    return routes_file


@pytest.fixture
def echo_plugin() -> EchoPlugin:
    return EchoPlugin()


@pytest.fixture
async def echo_proxy(make_proxy, echo_routes, echo_plugin):
    return await make_proxy(plugins=(echo_plugin,))

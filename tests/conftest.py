"""Shared fixtures: a real emulator on a socket, and the real proxy app (create_app) pointed at it."""
from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from proxy.app import create_app
from proxy.config import Settings, load_settings
from proxy.emulator import EmulatorSettings, RunningEmulator, start_emulator
from tests.postgres import PostgresServer, find_binaries
from tests.support import CLIENT_KEY, REPO, UPSTREAM_KEY

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session (initdb into a temporary folder); skips without the binaries."""
    bindir = find_binaries()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql "
                    "(.ci/run does it)")
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        pytest.skip("asyncpg is not installed: pip install -e '.[test]'")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return postgres_server.create_database(f"genproxy_test_{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def jobs_db(request, tmp_path):
    """The job store setting, once per backend: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "jobs.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def emulator_operation_delay() -> float:
    """Seconds a Veo operation takes in the emulator; a folder's conftest may override it."""
    return 0.3


@pytest.fixture
async def make_emulator(emulator_operation_delay) -> AsyncIterator[Callable[..., Awaitable[RunningEmulator]]]:
    started: list[RunningEmulator] = []

    async def make(**settings: Any) -> RunningEmulator:
        settings.setdefault("operation_delay", emulator_operation_delay)
        # The suite's Veo-on-the-Gemini-API tests play Google as of November 2026, when the Gemini API still
        # served the Veo 3.1 preview ids; tests/catalog/ plays both snapshots and switches between them.
        settings.setdefault("catalog", "2026-11")
        emu = await start_emulator(settings=EmulatorSettings(**settings))
        started.append(emu)
        return emu

    yield make
    for emu in started:
        await emu.close()


@pytest.fixture
async def emulator(make_emulator) -> RunningEmulator:
    return await make_emulator()


@pytest.fixture
def routes_file(tmp_path) -> Path:
    """A private copy of the shipped routes.yaml, so a test may edit it."""
    path = tmp_path / "routes.yaml"
    shutil.copy(REPO / "routes.yaml", path)
    return path


@pytest.fixture
def make_settings(tmp_path, routes_file, emulator) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = dict(
            api_keys=[CLIENT_KEY], gemini_api_keys=[UPSTREAM_KEY], gemini_base_url=emulator.base_url,
            vertex_base_url=emulator.base_url, vertex_project="emu-project", codeassist_base_url=emulator.base_url,
            token_uri=f"{emulator.base_url}/token", auth_dir=tmp_path / "auth", data_dir=tmp_path / "data",
            routes_file=routes_file, routes_reload_interval=0.1, poll_initial_delay=0.05, poll_max_delay=0.2,
            keepalive_interval=0.5, video_deadline=30,
            # The background doctor run would add its model look-ups to the emulator's request log that
            # tests count; tests/core/test_doctor.py turns it on where it is the subject.
            discovery_at_startup=False,
        )
        values.update(overrides)
        return load_settings(None, environ={}, **values)

    return make


@pytest.fixture
def make_proxy(aiohttp_client, make_settings):
    """Start the real app on a real socket; returns aiohttp's TestClient."""

    async def make(*, plugins: tuple = (), **overrides: Any):
        return await aiohttp_client(create_app(make_settings(**overrides), plugins=plugins))

    return make


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy()

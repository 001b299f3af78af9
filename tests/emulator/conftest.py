"""Fixtures: a real emulator on a socket and an aiohttp client session against it."""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from proxy.emulator import EmulatorSettings, RunningEmulator, start_emulator


@pytest.fixture
async def make_emulator() -> AsyncIterator[Callable[..., Awaitable[RunningEmulator]]]:
    started: list[RunningEmulator] = []

    async def make(**settings: Any) -> RunningEmulator:
        settings.setdefault("operation_delay", 0)
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
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as s:
        yield s

"""Fixtures for the hardening tests (issue 14)."""
from __future__ import annotations

import aiohttp
import pytest


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(trust_env=False) as s:
        yield s

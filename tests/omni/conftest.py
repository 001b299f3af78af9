"""A proxy with two client keys (jobs are per key) and the openai SDK on it, without retries."""
from __future__ import annotations

import openai
import pytest

from tests.omni.helpers import OTHER_KEY
from tests.support import CLIENT_KEY


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY])


@pytest.fixture
async def client(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        yield sdk

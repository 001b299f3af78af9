"""LiteLLM (newest release, its own venv) as a client of genproxy: chat, streaming, images, a video job."""
from __future__ import annotations

import json

import pytest

from tests.clients.helpers import run
from tests.clients.toolchains import litellm_python
from tests.support import CLIENT_KEY, REPO

pytestmark = pytest.mark.slow


async def test_litellm_calls_work_unchanged(proxy):
    python = litellm_python()
    code, out, err = await run(python, str(REPO / "tests" / "clients" / "litellm_calls.py"), str(proxy.make_url("/v1")),
                               timeout=240, env={"GENPROXY_API_KEY": CLIENT_KEY, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                                                 "LITELLM_LOG": "ERROR"})
    assert code == 0, err[-3000:]
    got = json.loads(out.strip().splitlines()[-1])
    assert got["chat"] == "Echo: hello from litellm" and got["stream"] == "Echo: streamed"
    assert got["image_b64"] > 100
    assert got["video_status"] == "completed" and got["video_ftyp"] == "ftyp"

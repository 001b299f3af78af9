"""Claude Code (npm @anthropic-ai/claude-code 2.1) in print mode against genproxy, as CCS runs it: base URL
http://127.0.0.1:PORT/api/provider/gemini, ANTHROPIC_AUTH_TOKEN, telemetry and nonessential traffic off."""
from __future__ import annotations

import json

import pytest

from tests.clients.helpers import run
from tests.clients.node_clients import binary
from tests.support import CLIENT_KEY

pytestmark = pytest.mark.slow


def claude_env(proxy, tmp_path, **extra: str) -> dict:
    return {"ANTHROPIC_BASE_URL": str(proxy.make_url("/api/provider/gemini")), "ANTHROPIC_AUTH_TOKEN": CLIENT_KEY,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
            "DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY": "1", "HOME": str(tmp_path),
            "ANTHROPIC_API_KEY": "", **extra}


@pytest.mark.parametrize("model, target", [("gemini-3-flash-preview", "gemini-3-flash-preview"),
                                           (None, "gemini-3.1-pro-preview")],  # its default claude-opus-*
                         ids=["ccs-gemini-model", "default-claude-model"])
async def test_print_mode(proxy, emulator, tmp_path, model, target):
    claude = binary("claude", "GENPROXY_CLAUDE_BIN")
    env = claude_env(proxy, tmp_path, **({"ANTHROPIC_MODEL": model} if model else {}))
    code, out, err = await run(claude, "-p", "say hello to genproxy", "--output-format", "json", timeout=120,
                               env=env)
    assert code == 0, (out + err)[-3000:]
    result = json.loads(out)
    assert result["is_error"] is False, result
    assert "Echo:" in result["result"] and "say hello to genproxy" in result["result"]
    sent = [r for r in emulator.state.requests if "GenerateContent" in r.path]
    assert sent and all(f"/models/{target}:" in r.path for r in sent)


async def test_tool_round_trip(proxy, emulator, tmp_path):
    """Claude Code runs the tool the model calls and sends the result back (the emulator calls a tool each
    turn with the marker in the prompt, so --max-turns ends it)."""
    claude = binary("claude", "GENPROXY_CLAUDE_BIN")
    env = claude_env(proxy, tmp_path, ANTHROPIC_MODEL="gemini-3-flash-preview")
    code, out, err = await run(claude, "-p", "look around [emulate:tool]", "--tools", "Read", "--max-turns", "2",
                               "--output-format", "json", timeout=120, env=env)
    result = json.loads(out)
    assert result["subtype"] == "error_max_turns", result
    last = [r.json for r in emulator.state.requests if "GenerateContent" in r.path][-1]
    parts = [p for c in last["contents"] for p in c["parts"]]
    calls = [p for p in parts if "functionCall" in p]
    assert calls and all(p["thoughtSignature"] != "skip_thought_signature_validator" for p in calls)
    assert any("functionResponse" in p for p in parts)  # Claude Code's tool_result, as Gemini's function response

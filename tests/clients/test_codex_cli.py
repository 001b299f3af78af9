"""Codex CLI (npm @openai/codex 0.171) with genproxy as its model provider: `codex exec` speaks only the
Responses API (streamed, store: false, with namespace and web_search tools Gemini cannot run)."""
from __future__ import annotations

import pytest

from tests.clients.helpers import run
from tests.clients.node_clients import binary
from tests.support import CLIENT_KEY

pytestmark = pytest.mark.slow
TEXT = "gemini-3-flash-preview"


async def test_codex_exec_on_a_gemini_model(proxy, emulator, tmp_path):
    codex = binary("codex", "GENPROXY_CODEX_BIN")
    home = tmp_path / "codex-home"
    home.mkdir()
    # docs/clients-responses-anthropic.md, "Codex CLI": the same provider table.
    (home / "config.toml").write_text(f'''model = "{TEXT}"
model_provider = "genproxy"

[model_providers.genproxy]
name = "genproxy"
base_url = "{proxy.make_url('/v1')}"
env_key = "GENPROXY_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
''')
    code, out, err = await run(codex, "exec", "--skip-git-repo-check", "--ephemeral", "-s", "read-only",
                               "-C", str(tmp_path), "say hello to genproxy", timeout=120,
                               env={"CODEX_HOME": str(home), "GENPROXY_API_KEY": CLIENT_KEY, "HOME": str(tmp_path)})
    assert code == 0, err[-3000:]
    assert "Echo:" in out and "say hello to genproxy" in out
    (sent,) = [r for r in emulator.state.requests if ":streamGenerateContent" in r.path]
    assert f"/models/{TEXT}:" in sent.path
    assert sent.json["systemInstruction"]["parts"]  # Codex's instructions and developer messages
    declared = [d["name"] for t in sent.json.get("tools", []) for d in t["functionDeclarations"]]
    assert "exec_command" in declared  # its function tools reach Gemini; namespace and web_search are left out

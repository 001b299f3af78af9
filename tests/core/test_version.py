"""`genproxy --version` names the version setup.cfg declares (the CHANGELOG's newest release)."""
from __future__ import annotations

import configparser
import subprocess
import sys

from tests.support import REPO


def test_version_flag_prints_the_declared_version() -> None:
    declared = configparser.ConfigParser()
    declared.read(REPO / "setup.cfg")
    version = declared["metadata"]["version"]
    out = subprocess.run([sys.executable, "-m", "proxy", "--version"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    assert out.stdout.strip() == f"genproxy {version}"
    assert f"## [{version}]" in (REPO / "CHANGELOG.md").read_text()

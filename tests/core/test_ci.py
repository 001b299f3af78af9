""".ci/run: green only when pytest passed tests (checked with a stand-in `make`, not a recursive run)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.support import REPO


def run_ci(tmp_path, output: str, status: int) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "make"
    fake.write_text(f"#!/bin/sh\necho \"make $*\"\nprintf '%s\\n' '{output}'\nexit {status}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run([str(REPO / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=30)


def test_ci_runs_make_test_and_passes_on_passed_tests(tmp_path):
    result = run_ci(tmp_path, "120 passed in 3.2s", 0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "make test" in result.stdout
    assert result.stdout.index("make lint") < result.stdout.index("make test")  # lint first


def test_ci_fails_on_lint_before_running_the_tests(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "make"
    fake.write_text('#!/bin/sh\necho "make $*"\nif [ "$1" = lint ]; then echo "error: 1 mypy error"; exit 2; fi\n'
                    'echo "120 passed in 3.2s"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run([str(REPO / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 1
    assert "lint failed" in result.stdout
    assert "make test" not in result.stdout


@pytest.mark.parametrize("output", ["no tests ran in 0.01s", "5 deselected in 0.01s", "1 skipped in 0.1s"])
def test_ci_refuses_green_without_passed_tests(tmp_path, output):
    result = run_ci(tmp_path, output, 0)
    assert result.returncode == 1
    assert "no passing test" in result.stdout


def test_ci_fails_when_the_suite_fails(tmp_path):
    result = run_ci(tmp_path, "1 failed, 9 passed in 1s", 1)
    assert result.returncode == 1
    assert "failed" in result.stdout

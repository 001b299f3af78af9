"""Every code example in README.md and docs/ runs against `genproxy serve --emulator`.

A fenced block is run by its language: `sh` with bash, `python` with this interpreter, `yaml` is
parsed (and checked as genproxy settings or routes where it is one), `js`/`javascript` with node when
the packages it imports are installed. Blocks in other languages (`json`, `text`, `ini`, `nginx`,
none) are samples of output or of other programs' files, not examples. A block that cannot run here
(it starts a long-running server, needs real Google credentials) has, on the line before it,
`<!-- docs-test: skip (the reason) -->`; the reason is required.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.docs.markdown_blocks import DocBlock, collect_blocks
from tests.support import REPO

DOCUMENTED_URL = "http://127.0.0.1:8317"
BLOCKS = collect_blocks(REPO)
RUNNABLE = [b for b in BLOCKS if b.lang in {"sh", "bash", "python", "yaml", "js", "javascript", "mjs"}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> str:
    """`genproxy serve --emulator` as the README starts it, on a free port, with an empty home."""
    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GENPROXY_", "GOOGLE_"))}
    env.update(HOME=str(home), GENPROXY_AUTH_DIR=str(home / "no-auth"))
    log = open(home / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "proxy", "serve", "--emulator", "--emulator-delay", "0.5",
                             "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((home / "serve.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _env(url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GENPROXY_", "GOOGLE_"))}
    bindir = str(Path(sys.executable).parent)
    env.update(PATH=bindir + os.pathsep + env.get("PATH", ""), HOME=str(home), GENPROXY_BASE_URL=url,
               GENPROXY_API_KEY="ccs-internal-managed", KEY="ccs-internal-managed",
               PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return env


def _run(argv: list[str], block: DocBlock, cwd: Path, env: dict[str, str], timeout: float = 240) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{block.where} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
                    f"\n--- stderr\n{done.stderr[-3000:]}", pytrace=False)


MODALITIES = {"text", "image", "video", "omni", "audio", "speech", "music"}


def _check_yaml(block: DocBlock) -> None:
    """YAML examples parse; a routes file (or a list of routes) and a settings file are checked as genproxy would."""
    from proxy.config import Settings
    from proxy.routing.routes import parse_routes

    doc = yaml.safe_load(block.code)
    assert doc is not None, f"{block.where}: an empty YAML example"
    if isinstance(doc, list) and all(isinstance(r, dict) and "model" in r for r in doc):
        parse_routes(yaml.safe_dump({"routes": doc}), block.where, MODALITIES)
    elif isinstance(doc, dict) and "routes" in doc:
        parse_routes(block.code, block.where, MODALITIES)
    elif isinstance(doc, dict) and set(doc) <= set(Settings.model_fields):
        Settings.model_validate(doc)


def _node_can_run(code: str) -> str | None:
    """Why node cannot run this example here, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    modules = os.environ.get("GENPROXY_NODE_MODULES")
    imports = [line.split("from", 1)[1].strip(" ';\"") for line in code.splitlines()
               if line.startswith("import ") and " from " in line]
    missing = [m for m in imports if not (modules and (Path(modules) / m.split("/")[0]).exists())]
    if missing:
        return f"node packages {missing} are not installed (set GENPROXY_NODE_MODULES to a node_modules folder)"
    return None


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_example_runs(block: DocBlock, served: str, tmp_path: Path) -> None:
    if block.skip_reason is not None:
        pytest.skip(f"{block.where}: {block.skip_reason}")
    host_port = served.removeprefix("http://")
    code = block.code.replace(DOCUMENTED_URL, served).replace("127.0.0.1:8317", host_port)
    code = code.replace("localhost:8317", host_port)
    env = _env(served, tmp_path)
    if block.lang in {"sh", "bash"}:
        _run(["bash", "-eo", "pipefail", "-c", code], block, tmp_path, env)
    elif block.lang == "python":
        script = tmp_path / "example.py"
        script.write_text(code)
        _run([sys.executable, str(script)], block, tmp_path, env)
    elif block.lang == "yaml":
        _check_yaml(block)
    else:
        why = _node_can_run(code)
        if why:
            pytest.skip(why)
        script = tmp_path / "example.mjs"
        script.write_text(code)
        env["NODE_PATH"] = os.environ["GENPROXY_NODE_MODULES"]
        (tmp_path / "node_modules").symlink_to(os.environ["GENPROXY_NODE_MODULES"])
        _run(["node", str(script)], block, tmp_path, env)


def test_every_skip_says_why_and_examples_exist() -> None:
    assert len(RUNNABLE) >= 10, "the docs lost their examples"
    for block in BLOCKS:
        if block.skip_reason is not None:
            assert block.skip_reason.strip(), f"{block.where}: a docs-test skip needs a reason"


def test_every_page_is_in_the_site_navigation() -> None:
    """A page in docs/ that mkdocs.yml's nav does not name is unreachable from the site."""
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"]

    def pages(entries) -> set[str]:
        found: set[str] = set()
        for entry in entries:
            for value in (entry.values() if isinstance(entry, dict) else [entry]):
                found |= pages(value) if isinstance(value, list) else {value}
        return found

    on_disk = {str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md") if "_hooks" not in p.parts}
    assert on_disk - pages(nav) == set(), "add these pages to mkdocs.yml's nav"

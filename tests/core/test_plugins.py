"""Plugins: entry points in group `genproxy`, a third-party modality end to end, loud failures."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from proxy.app import create_app
from proxy.hookspecs import hookimpl
from proxy.routing.plugins import PluginError, build_plugin_manager, declared_modalities
from tests.core import echo
from tests.support import AUTH, REPO, chat

GENPROXY = str(Path(sys.executable).with_name("genproxy"))


def install_plugin(site: Path, module: str, source: str, dist: str = "genproxy-echo") -> Path:
    """Install a package the way pip leaves it: the module plus a dist-info with an entry point in `genproxy`."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[genproxy]\n{module.split('_')[-1]} = {module}\n")
    (info / "RECORD").write_text("")
    return site


@pytest.fixture
def echo_site(tmp_path, monkeypatch):
    site = install_plugin(tmp_path / "site", "genproxy_thirdparty_echo", Path(echo.__file__).read_text())
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("genproxy_thirdparty_echo", None)


MISSPELLED = '''
from proxy.hookspecs import hookimpl

@hookimpl
def genproxy_modalities():
    return ["oops"]

@hookimpl
def genproxy_translat(route, request, context):
    return None
'''


def test_builtin_plugins_are_loaded_from_entry_points():
    pm = build_plugin_manager()
    modalities = declared_modalities(pm)
    assert {"text", "image", "video"} <= set(modalities)


def test_entry_point_plugin_adds_a_modality(echo_site):
    pm = build_plugin_manager()
    assert declared_modalities(pm)["echo"] == "echo"


async def test_entry_point_plugin_serves_chat_completions(echo_site, make_settings, echo_routes, aiohttp_client):
    client = await aiohttp_client(create_app(make_settings()))  # no plugins= : found through its entry point
    resp = await client.post("/v1/chat/completions", json=chat("echo-1", "third party"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["choices"][0]["message"]["content"] == "ytrap driht"


def test_misspelled_hook_fails_loudly():
    class Typo:
        @hookimpl
        def genproxy_translat(self, route, request, context):
            return None

    with pytest.raises(PluginError) as info:
        build_plugin_manager([Typo()])
    assert "genproxy_translat" in str(info.value)


def test_hookimpl_with_unknown_argument_fails_as_plugin_error():
    class WrongArgs:
        @hookimpl
        def genproxy_translate(self, route, request, context, extra):
            return None

    with pytest.raises(PluginError) as info:
        build_plugin_manager([WrongArgs()])
    assert "genproxy_translate" in str(info.value) and "extra" in str(info.value)


def test_misspelled_hook_fails_create_app(make_settings):
    class Typo:
        @hookimpl
        def genproxy_respnd(self, route, result, call, context):
            return None

    with pytest.raises(PluginError, match="genproxy_respnd"):
        create_app(make_settings(), plugins=(Typo(),))


def _run(args, site: Path | None = None, **kw):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(kw.pop("home", "/nonexistent"))}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([GENPROXY, *args], capture_output=True, text=True, timeout=60, env=env,
                          cwd=kw.pop("cwd", REPO), **kw)


def test_cli_plugins_lists_plugins_and_modalities(tmp_path):
    site = install_plugin(tmp_path / "site", "genproxy_thirdparty_echo", Path(echo.__file__).read_text())
    result = _run(["plugins"], site=site)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    for name, modality in (("text", "text"), ("image", "image"), ("video", "video"), ("echo", "echo")):
        assert name in lines, result.stdout
        assert modality in lines[name].split("modalities:")[1].split("hooks:")[0], lines[name]
    assert "genproxy-echo" in lines["echo"], "a third-party plugin names its distribution"

    result = _run(["plugins", "--json"], site=site)
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["echo"]["modalities"] == ["echo"]
    assert "genproxy_translate" in rows["echo"]["hooks"]


def test_cli_plugins_fails_loudly_on_a_misspelled_entry_point_hook(tmp_path):
    site = install_plugin(tmp_path / "site", "genproxy_thirdparty_typo", MISSPELLED, dist="genproxy-typo")
    result = _run(["plugins"], site=site)
    assert result.returncode == 2
    assert "genproxy_translat" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_plugins_fails_loudly_on_a_plugin_that_does_not_import(tmp_path):
    site = install_plugin(tmp_path / "site", "genproxy_thirdparty_broken", "import no_such_module_xyz\n",
                          dist="genproxy-broken")
    result = _run(["plugins"], site=site)
    assert result.returncode == 2
    assert "no_such_module_xyz" in result.stderr and "broken" in result.stderr


async def test_plugin_web_routes_under_v1_need_a_key(make_proxy):
    from aiohttp import web

    async def ping(request):
        return web.json_response({"pong": True})

    class Extra:
        @hookimpl
        def genproxy_web_routes(self):
            return [("GET", "/v1/echo/ping", ping)]

    client = await make_proxy(plugins=(Extra(),))
    resp = await client.get("/v1/echo/ping")
    assert resp.status == 401
    resp = await client.get("/v1/echo/ping", headers=AUTH)
    assert resp.status == 200 and (await resp.json()) == {"pong": True}
    assert resp.headers["x-request-id"]

"""routes.yaml: resolution, the shipped table, start-up errors with file and line, live reload."""
from __future__ import annotations

import asyncio
import logging
import os
import time

import pytest

from proxy.routing.routes import RoutesError, RouteTable, parse_routes
from tests.core.conftest import rewrite
from tests.core.echo import SLOW_SECONDS
from tests.support import AUTH, REPO, chat

MODALITIES = {"text", "image", "video", "echo"}

SEED_VEO = ["veo-3.1-generate-preview", "veo-3.1-fast-generate-preview", "veo-3.0-generate-001",
            "veo-3.0-fast-generate-001"]


def table(text: str, tmp_path, modalities=MODALITIES) -> RouteTable:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return RouteTable.load(path, modalities)


def test_exact_glob_target_defaults(tmp_path):
    t = table("""routes:
  - {model: "gemini-*", modality: text}
  - {model: gemini-2.5-flash-image, modality: image}
  - model: short
    modality: video
    target: veo-3.1-fast-generate-preview
    defaults: {resolution: 720p}
""", tmp_path)
    r = t.resolve("gemini-2.5-flash-image")
    assert (r.modality, r.target, r.pattern) == ("image", "gemini-2.5-flash-image", None), "exact beats an earlier glob"
    r = t.resolve("gemini-2.0-flash")
    assert (r.modality, r.upstream, r.target, r.pattern) == ("text", "gemini", "gemini-2.0-flash", "gemini-*")
    r = t.resolve("short")
    assert r.target == "veo-3.1-fast-generate-preview" and r.defaults == {"resolution": "720p"}
    assert r.model == "short"
    assert t.resolve("gpt-4o") is None
    assert t.resolve("Gemini-2.0-flash") is None, "globs are case-sensitive like model ids"


def test_route_defaults_are_a_copy(tmp_path):
    t = table("routes:\n  - {model: m, modality: text, defaults: {a: 1}}\n", tmp_path)
    t.resolve("m").defaults["a"] = 2
    assert t.resolve("m").defaults == {"a": 1}


def test_shipped_routes_cover_the_seed_models():
    t = RouteTable.load(REPO / "routes.yaml", {"text", "image", "video", "omni", "speech", "music"})
    for model in SEED_VEO + ["veo-3.1-lite-generate-preview", "veo-2.0-generate-001"]:
        assert t.resolve(model).modality == "video", model
    for model in ("gemini-omni-1.2-flash", "gemini-omni-1.1-flash", "gemini-omni-flash-preview"):
        assert t.resolve(model).modality == "omni", model
    for model in ("gemini-3-pro-image", "gemini-3.1-flash-image", "gemini-3-pro-image-preview",
                  "gemini-3.1-flash-image-preview", "gemini-2.5-flash-image"):
        assert t.resolve(model).modality == "image", model
    for model in ("gemini-3.1-pro-preview", "gemini-3-flash-preview", "gemini-2.5-pro", "gemini-2.5-flash",
                  "gemini-2.5-flash-lite", "gemini-3-pro-preview"):
        assert t.resolve(model).modality == "text", model
    listed = {s.model for s in t.listed_models()}
    # Veo 3.0 is shut down (google-2026-12.md section 1): its ids are retired, served by Veo 3.1
    assert {"veo-3.0-generate-001", "veo-3.0-fast-generate-001"} <= set(t.retired)
    assert set(SEED_VEO[:2]) <= listed and {"gemini-3-pro-image", "gemini-3.1-flash-image"} <= listed


# Google's deprecations page (google-2026-11.md section 1): each shut-down id and its replacement.
RETIRED = {"gemini-3-pro-image-preview": "gemini-3-pro-image", "gemini-3.1-flash-image-preview": "gemini-3.1-flash-image",
           "gemini-3-pro-preview": "gemini-3.1-pro-preview", "gemini-2.5-pro": "gemini-3.1-pro-preview",
           "gemini-2.5-flash": "gemini-3-flash-preview", "gemini-2.5-flash-lite": "gemini-3.1-flash-lite",
           "gemini-2.5-flash-image": "gemini-3.1-flash-image", "veo-2.0-generate-001": "veo-3.1-generate-preview",
           # 2.5 TTS previews (research note /work/research/audio.md section 1.1)
           "gemini-2.5-flash-preview-tts": "gemini-3.8-flash-tts", "gemini-2.5-pro-preview-tts": "gemini-3.8-flash-tts"}


@pytest.mark.parametrize("retired, replacement", RETIRED.items())
def test_every_retired_id_is_served_by_googles_replacement(retired, replacement):
    t = RouteTable.load(REPO / "routes.yaml", {"text", "image", "video", "omni", "speech", "music"})
    route = t.resolve(retired)
    assert (route.model, route.target, route.requested) == (replacement, replacement, retired)


@pytest.mark.parametrize("text, expected", [
    ("routes:\n  - {model: a, modality: text}\nretired:\n  - {model: old, replaced_by: nope}\n",
     ["line 4", "replaced_by 'nope'"]),
    ("routes:\n  - {model: a, modality: text}\nretired:\n  - {model: a, replaced_by: a}\n", ["also routed"]),
    ("routes:\n  - {model: a, modality: text, target: old}\nretired:\n  - {model: old, replaced_by: a}\n",
     ["targets 'old'", "shut down"]),
    ("routes:\n  - {model: a, modality: text}\nretired:\n  - {model: 'o*', replaced_by: a}\n", ["not a glob"]),
])
def test_retired_entries_are_checked_at_load(tmp_path, text, expected):
    path = tmp_path / "routes.yaml"
    path.write_text(text)
    with pytest.raises(RoutesError) as err:
        RouteTable.load(path, {"text"})
    for fragment in expected:
        assert fragment in str(err.value)


@pytest.mark.parametrize("text, expected", [
    ("routes:\n  - {model: a, modality: text}\n  - {model: b, modality: music}\n", ["line 3", "music"]),
    ("routes:\n  - {model: a, modality: text}\n\n  - {model: b, modality: text, upstream: azure}\n",
     ["line 4", "azure"]),
    ("routes:\n  - {model: a, modality: text}\n  - {model: a, modality: image}\n", ["line 3", "duplicate", "line 2"]),
    ("routes:\n  - {model: a, modality: text}\n  - {model: b, modality: text, taget: c}\n", ["line 3", "taget"]),
    ("routes:\n  - {model: a, modality: text\n  - {model: b}\n", ["line 3", "YAML"]),
    ("routes:\n  - {modality: text}\n", ["line 2", "model"]),
    ("routes:\n  - just-a-string\n", ["route #1"]),
    ("rutes:\n  - {model: a, modality: text}\n", ["routes"]),
    ("routes:\n  - {model: a, modality: text}\nreload: fast\n", ["reload"]),
    ("routes:\n  - model: a\n    modality: text\n    target: x\n    target: y\n", ["line 5", "target", "twice"]),
])
def test_bad_file_names_file_line_and_problem(tmp_path, text, expected):
    with pytest.raises(RoutesError) as info:
        table(text, tmp_path)
    message = str(info.value)
    assert str(tmp_path / "r.yaml") in message
    for part in expected:
        assert part in message, (part, message)


def test_missing_file(tmp_path):
    with pytest.raises(RoutesError, match="cannot read"):
        RouteTable.load(tmp_path / "none.yaml", MODALITIES)


def test_route_to_undeclared_modality_fails_create_app(make_settings, routes_file):
    from proxy.app import create_app

    routes_file.write_text(routes_file.read_text() + "  - {model: echo-1, modality: echo}\n")
    with pytest.raises(RoutesError) as info:
        create_app(make_settings())  # no echo plugin registered
    assert "echo" in str(info.value) and str(routes_file) in str(info.value) and "line" in str(info.value)


async def _wait_for(predicate, timeout=3.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_edit_takes_effect_without_restart_and_keeps_requests_in_flight(echo_proxy, echo_routes):
    original = echo_routes.read_text()
    # Start a slow request on echo-1, then remove echo-1 while it runs.
    in_flight = asyncio.ensure_future(
        echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "slow one"), headers=AUTH))
    await asyncio.sleep(0.1)
    new = original.replace("  - {model: echo-1, modality: echo, upstream: gemini}\n", "") \
                  .replace("- {model: \"echo-*\"", "- {model: \"echo-x*\"") \
        + "  - {model: fresh-echo, modality: echo, upstream: gemini, target: echo-two}\n"
    rewrite(echo_routes, new)

    async def echo2_routed():
        resp = await echo_proxy.post("/v1/chat/completions", json=chat("fresh-echo", "ab"), headers=AUTH)
        return resp.status == 200

    assert await _wait_for(echo2_routed), "the new route was never picked up"
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1"), headers=AUTH)
    assert resp.status == 404, "the removed route is gone"
    models = [m["id"] for m in (await (await echo_proxy.get("/v1/models", headers=AUTH)).json())["data"]]
    assert "fresh-echo" in models and "echo-1" not in models

    resp = await asyncio.wait_for(in_flight, SLOW_SECONDS + 5)
    assert resp.status == 200, "the request that started before the edit finished on its route"
    assert (await resp.json())["choices"][0]["message"]["content"] == "eno wols"


async def test_broken_edit_keeps_old_table_and_logs_why(echo_proxy, echo_routes, caplog):
    caplog.set_level(logging.INFO, logger="genproxy.routes")
    rewrite(echo_routes, echo_routes.read_text() + "  - {model: echo-3, modality: musik}\n")

    async def logged():
        return any("musik" in r.getMessage() and r.levelno >= logging.ERROR for r in caplog.records)

    assert await _wait_for(logged), "a broken edit must be logged"
    message = next(r.getMessage() for r in caplog.records if "musik" in r.getMessage())
    assert str(echo_routes) in message and "line" in message
    resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-1", "still"), headers=AUTH)
    assert resp.status == 200, "the old table still serves"

    # Fixing the file afterwards is picked up too.
    rewrite(echo_routes, echo_routes.read_text().replace("musik", "echo"))

    async def fixed():
        resp = await echo_proxy.post("/v1/chat/completions", json=chat("echo-3", "ok"), headers=AUTH)
        return resp.status == 200

    assert await _wait_for(fixed)


async def test_reload_survives_unreadable_content(echo_proxy, echo_routes, caplog):
    """A file that is not even text must not stop the watcher for good."""
    caplog.set_level(logging.INFO, logger="genproxy.routes")
    good = echo_routes.read_text()
    echo_routes.write_bytes(b"routes:\n  - {model: \xff\xfe, modality: echo}\n")
    bumped = time.time_ns() + 2_000_000_000
    os.utime(echo_routes, ns=(bumped, bumped))

    async def logged():
        return any("not loaded" in r.getMessage() for r in caplog.records)

    assert await _wait_for(logged), "an undecodable file must be logged"
    rewrite(echo_routes, good + "  - {model: later-echo, modality: echo}\n")

    async def picked_up():
        resp = await echo_proxy.post("/v1/chat/completions", json=chat("later-echo", "ok"), headers=AUTH)
        return resp.status == 200

    assert await _wait_for(picked_up), "the watcher died on an undecodable file"


def test_parse_routes_is_usable_on_text():
    specs = parse_routes("routes:\n  - {model: a, modality: text, defaults: {x: {y: 1}}}\n", "inline", {"text"})
    assert specs.routes[0].defaults == {"x": {"y": 1}}, "no bookkeeping leaks into defaults"

"""OpenRouter's names in the catalog: google/<id> resolves as <id>, openrouter: slugs resolve to their entry,
and bad slugs fail at load with the file's name."""
from __future__ import annotations

import pytest

from proxy.routing.routes import RoutesError, RouteTable, parse_routes
from tests.support import AUTH, REPO, chat

MODALITIES = {"text", "image", "video", "omni", "speech", "music"}


@pytest.fixture(scope="module")
def shipped() -> RouteTable:
    return RouteTable.load(REPO / "routes.yaml", MODALITIES)


@pytest.mark.parametrize(("slug", "served_by", "modality"), [
    ("google/veo-3.1", "veo-3.1-generate-preview", "video"),
    ("google/veo-3.1-fast", "veo-3.1-fast-generate-preview", "video"),
    ("google/gemini-3.1-flash-image-preview", "gemini-3.1-flash-image", "image"),
    ("google/gemini-3-pro-image-preview", "gemini-3-pro-image", "image"),
    ("google/gemini-2.5-flash-image-preview", "gemini-3.1-flash-image", "image"),  # retired, no slug key
    ("google/gemini-2.5-flash", "gemini-3-flash-preview", "text"),
    ("google/gemini-3.1-pro-preview", "gemini-3.1-pro-preview", "text"),
    ("google/gemini-omni-1.2-flash", "gemini-omni-1.2-flash", "omni"),
])
def test_openrouter_names_resolve_to_the_route_of_the_bare_id(shipped, slug, served_by, modality):
    route = shipped.resolve(slug)
    assert (route.model, route.target, route.modality, route.requested) == (served_by, served_by, modality, slug)


def test_google_prefix_is_not_a_way_out_of_the_catalog(shipped):
    assert shipped.resolve("google/vertex/veo-3.1-generate-001") is None
    assert shipped.resolve("google/") is None
    assert shipped.resolve("anthropic/claude") is None
    # no gemini-* glob any more: a new google/ id is served by its model family (proxy/catalog), not the table
    assert shipped.resolve("google/gemini-9-ultra") is None


ROUTES = "routes:\n  - {model: veo-a, modality: video%s}\n  - {model: veo-b, modality: video%s}\n  - {model: 'gemini-*', modality: text%s}\n"


@pytest.mark.parametrize(("extra", "expected"), [
    ((", openrouter: google/x", ", openrouter: google/x", ""), "is given to both 'veo-a' and 'veo-b'"),
    ((", openrouter: veo-b", "", ""), "'veo-b' of 'veo-a' is also a model of the file"),
    (("", "", ", openrouter: google/any"), "belongs on an exact model, not a glob"),
])
def test_bad_slugs_fail_at_load(extra, expected):
    with pytest.raises(RoutesError, match=expected):
        parse_routes(ROUTES % extra, "routes.yaml", MODALITIES)


async def test_a_retired_google_id_never_reaches_google(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", json=chat("google/gemini-2.5-flash"), headers=AUTH)
    assert resp.status == 200 and (await resp.json())["model"] == "gemini-3-flash-preview"
    paths = [r.path for r in emulator.state.requests]
    assert paths and all("gemini-2.5" not in p for p in paths)

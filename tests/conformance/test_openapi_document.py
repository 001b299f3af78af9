"""GET /openapi.json: genproxy's own OpenAPI 3.1 document, valid, public, and describing every route it serves."""
from __future__ import annotations

import fnmatch
import re

from openapi_spec_validator import validate

from tests.support import AUTH


def _shape(path: str) -> str:
    return re.sub(r"\{[^{}]*(\{[^{}]*\}[^{}]*)*\}", "*", path)


async def test_the_document_is_valid_openapi_and_needs_no_key(proxy):
    resp = await proxy.get("/openapi.json")
    assert resp.status == 200
    document = await resp.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    chat = document["components"]["schemas"]["ChatCompletionRequest"]
    # Built from the pydantic models, with what the plugins add.
    assert {"model", "messages", "stream", "video_config", "image_config"} <= set(chat["properties"])
    assert "VideoConfig" in document["components"]["schemas"] and "VeoRequest" in document["components"]["schemas"]
    assert document["paths"]["/v1/videos/{video_id}/content"]["get"]["parameters"][1]["schema"]["enum"] == [
        "video", "thumbnail", "spritesheet"]


async def test_every_route_the_app_serves_is_described(proxy):
    document = await (await proxy.get("/openapi.json")).json()
    described = {(method.upper(), _shape(path)) for path, item in document["paths"].items() for method in item}
    missing = []
    for route in proxy.app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or route.resource is None:
            continue
        served = _shape(route.resource.canonical)
        if not any(method == route.method and fnmatch.fnmatchcase(path, served) for method, path in described):
            missing.append((route.method, route.resource.canonical))
    assert missing == []


async def test_the_documented_operations_answer(proxy):
    """Each documented path reaches a handler (no router 404/405), with or without a valid body."""
    document = await (await proxy.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in item:
            resp = await proxy.request(method.upper(), concrete, json={} if method == "post" else None,
                                       headers={**AUTH, "x-goog-api-key": AUTH["Authorization"][7:]})
            text = await resp.text()
            assert resp.status != 405 and "unknown_url" not in text, (method, path, resp.status, text[:200])

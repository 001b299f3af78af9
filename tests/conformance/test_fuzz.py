"""Seeded fuzzing of every endpoint, driven by genproxy's own /openapi.json: no input gets a 500, and every
error is in the endpoint's error shape (OpenAI's under /v1/, Google's on Google's paths).

hypothesis, drawing bodies from the published schemas (schema_strategy.py), rather than schemathesis: the same
document drives it without schemathesis' HTTP runner and large dependency tree (its schema generator,
hypothesis-jsonschema, no longer works with current hypothesis), and the examples are derandomized, so a run
is reproducible (a failure names the exact body).
"""
from __future__ import annotations

import copy
import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conformance.live import LiveProxy
from tests.conformance.schema_strategy import from_schema
from tests.support import CLIENT_KEY

pytestmark = pytest.mark.slow

MODELS = ["gemini-2.5-flash", "gemini-2.5-flash-image", "gemini-3-pro-image-preview", "veo-3.1-generate-preview",
          "veo-3.1-fast-generate-preview", "veo-3.0-generate-001", "veo-2.0-generate-001",
          "vertex/veo-3.1-generate-001"]
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
BASES = {
    "chat": [
        {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.5,
         "max_tokens": 20, "stream": False},
        {"model": "gemini-2.5-flash-image", "messages": [{"role": "user", "content": "a cat"}],
         "modalities": ["image", "text"], "image_config": {"aspect_ratio": "1:1"}},
        {"model": "veo-3.1-generate-preview", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "a cat"}, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]}],
         "modalities": ["video", "text"], "video_config": {"duration_seconds": 8, "aspect_ratio": "16:9",
                                                          "resolution": "720p", "negative_prompt": "dark"}},
    ],
    "videos": [{"prompt": "a cat", "model": "veo-3.1-generate-preview", "seconds": "8", "size": "1280x720",
                "negative_prompt": "dark"}],
    "images": [{"prompt": "a cat", "model": "gemini-2.5-flash-image", "n": 1, "size": "1024x1024",
                "response_format": "b64_json"}],
    "veo": [{"instances": [{"prompt": "a cat", "image": {"bytesBase64Encoded": PNG, "mimeType": "image/png"}}],
             "parameters": {"durationSeconds": 8, "aspectRatio": "16:9", "resolution": "720p"}},
            {"instances": [{"prompt": "a cat", "referenceImages": [
                {"image": {"inlineData": {"data": PNG, "mimeType": "image/png"}}, "referenceType": "asset"}]}],
             "parameters": {"durationSeconds": 8}}],
    "generate": [{"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                  "generationConfig": {"temperature": 0.2, "maxOutputTokens": 10}}],
}
ENDPOINTS = {  # name: (method, path, request schema in /openapi.json, base bodies, examples)
    "chat": ("POST", "/v1/chat/completions", "ChatCompletionRequest", 2000),
    "videos": ("POST", "/v1/videos", "VideoCreate", 1500),
    "images": ("POST", "/v1/images/generations", "ImagesGenerationRequest", 1000),
    "veo": ("POST", "/v1beta/models/{model}:predictLongRunning", "VeoRequest", 1500),
    "vertex": ("POST", "/v1beta1/publishers/{publisher}/models/{model}:predictLongRunning", "VeoRequest", 500),
    "generate": ("POST", "/v1beta/models/{model}:generateContent", "GenerateContentRequest", 600),
}
BASES["vertex"] = BASES["veo"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16) | st.sampled_from(["", "8", "720p", "16:9", "data:image/png;base64,AA==", "video_0", "4k"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


@st.composite
def mutated(draw, bases):
    """A valid body with one place changed to an arbitrary JSON value, or removed."""
    body = copy.deepcopy(draw(st.sampled_from(bases)))
    path = draw(st.sampled_from([p for p in _paths(body) if p]))
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return body


def strategy(document: dict, name: str):
    method, path, schema_name, _ = ENDPOINTS[name]
    from_doc = from_schema({"$ref": f"#/components/schemas/{schema_name}"}, document)
    if name in ("chat", "videos", "images"):
        # Bodies from the schema, mostly with a routed model so they reach the plugins' own checks.
        from_doc = st.tuples(from_doc, st.sampled_from(MODELS + [None])).map(
            lambda pair: {**pair[0], **({"model": pair[1]} if pair[1] and isinstance(pair[0], dict) else {})})
    body = st.one_of(from_doc, mutated(BASES[name]), mutated(BASES[name]), json_values)
    model = st.sampled_from(MODELS) if "{model}" in path else st.just("")
    return st.tuples(body, model)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with LiveProxy(tmp_path_factory.mktemp("fuzz")) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def document(live) -> dict:
    status, _, body = live.connection().request("GET", "/openapi.json")
    assert status == 200
    return json.loads(body)


def check(status: int, headers: dict, body: bytes, google: bool, sent) -> None:
    where = f"{status} for {json.dumps(sent)[:400]}: {body[:300]!r}"
    # The one 5xx a request may cause here: a vertex route with no Vertex credentials configured.
    assert status < 500 or status == 503 and b"No credentials are configured" in body, where
    if status >= 400:
        assert headers.get("Content-Type", "").startswith("application/json"), where
        error = json.loads(body)["error"]
        if google and error.get("code") != "unknown_url":  # the router's own 404 is OpenAI-shaped everywhere
            assert isinstance(error["code"], int) and error["message"] and error["status"], where
        else:
            assert set(error) >= {"message", "type", "param", "code"} and error["message"], where


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_no_input_gets_a_server_error(live, document, name):
    method, path, schema_name, examples = ENDPOINTS[name]
    assert path in document["paths"], path
    client = live.connection()
    google = path.startswith("/v1beta")
    statuses: dict[int, int] = {}

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy(document, name))
    def run(case):
        body, model = case
        target = path.replace("{model}", urllib.parse.quote(model, safe="")).replace("{publisher}", "google")
        headers = {"x-goog-api-key": CLIENT_KEY} if google or "/publishers/" in path else {}
        status, response_headers, text = client.json(method, target, body, headers)
        statuses[status] = statuses.get(status, 0) + 1
        check(status, response_headers, text, google or "/publishers/" in path, body)

    run()
    assert sum(statuses.values()) >= examples * 0.9, statuses
    # Not only refusals: some cases got through every check to the emulator and back.
    assert statuses.get(200, 0) > 0, statuses
    print(name, dict(sorted(statuses.items())))


GET_PATHS = ["/v1/videos/{x}", "/v1/videos/{x}/content?variant={x}", "/v1/videos?limit={x}&order={x}&after={x}",
             "/v1beta/models/{x}", "/v1beta/models/{x}/operations/{x}", "/v1beta/files/{x}:download"]


def test_no_path_or_query_gets_a_server_error(live):
    client = live.connection()

    @settings(max_examples=800, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(template=st.sampled_from(GET_PATHS), value=st.text(min_size=1, max_size=40))
    def run(template, value):
        path = template.replace("{x}", urllib.parse.quote(value, safe=""))
        status, headers, body = client.request("GET", path, headers={"Authorization": f"Bearer {CLIENT_KEY}"})
        check(status, headers, body, path.startswith("/v1beta"), path)

    run()


def _multipart(fields: dict, boundary: str = "genproxyfuzz") -> bytes:
    out = b""
    for name, value in fields.items():
        disposition = f'form-data; name="{name}"'
        if isinstance(value, bytes):
            disposition += '; filename="frame.png"'
        else:
            value = str(value).encode("utf-8", "surrogatepass")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode("utf-8", "surrogatepass")
        out += value + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def test_no_multipart_video_create_gets_a_server_error(live, document):
    client = live.connection()
    form = from_schema({"$ref": "#/components/schemas/VideoCreateForm"}, document)
    names = st.sampled_from(list(document["components"]["schemas"]["VideoCreateForm"]["properties"]) + ["x", ""])
    odd = st.dictionaries(names, st.text(max_size=20) | st.binary(max_size=40), max_size=4)
    statuses: dict[int, int] = {}

    @settings(max_examples=600, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(fields=st.one_of(form.filter(lambda f: isinstance(f, dict)), odd), model=st.sampled_from(MODELS))
    def run(fields, model):
        fields = {**fields, "model": fields.get("model", model)} if "prompt" in fields else fields
        body = _multipart({k: v for k, v in fields.items() if v is not None})
        status, headers, text = client.request("POST", "/v1/videos", body, {
            "Content-Type": "multipart/form-data; boundary=genproxyfuzz", "Authorization": f"Bearer {CLIENT_KEY}"})
        statuses[status] = statuses.get(status, 0) + 1
        check(status, headers, text, False, {k: v if isinstance(v, str) else repr(v) for k, v in fields.items()})

    run()
    assert statuses.get(200, 0) > 0, statuses

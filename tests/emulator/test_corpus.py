"""Answers Google really sent (tests/fixtures/google_corpus/, each with its source URL): genproxy's parsers take
each of them, and the emulator's answers of the same kind have their shape (fields, types, nesting).
Where they disagree, the emulator moves."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plugins.gemini_chat.reply import completions, deltas
from plugins.omni.result import poll_status as interaction_status
from plugins.veo.result import poll_status as operation_status
from proxy.upstreams.errors import google_error, parse_google_error
from tests.support_shapes import shape_of, shape_problems

from .helpers import GEMINI, IMAGE_MODEL, KEY, text_body
from .test_vertex import BEARER, PREFIX, fetch_until_done, vertex_submit

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "google_corpus"
ITEMS = {p.stem: json.loads(p.read_text()) for p in sorted(CORPUS.glob("*.json"))}


def _repaired(body):
    """Google's published completed-interaction sample (#22) has trailing commas; read it without them."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", body)) if isinstance(body, str) else body


def of(api: str, *methods: str) -> list[dict]:
    return [item for item in ITEMS.values() if item["api"] == api and item["method"] in methods]


def bodies(items: list[dict]) -> list:
    """Each answer; a stream's chunks one by one; an error array's single error."""
    out: list = []
    for item in items:
        body = _repaired(item["body"])
        out += body if isinstance(body, list) else [body]
    return out


def test_the_corpus_is_big_enough_and_cited():
    assert len(ITEMS) >= 20
    for name, item in ITEMS.items():
        assert item["source"].startswith("http"), name


# ---------------------------------------------------------------- genproxy parses what Google sent

@pytest.mark.parametrize("name", [n for n, i in ITEMS.items() if i["method"] == "generateContent"])
def test_generate_content_answers_parse(name):
    body = ITEMS[name]["body"]
    [completion] = completions(body)
    if not any((c.get("content") or {}).get("parts") for c in body["candidates"]):  # #01: OTHER, no content
        assert completion.message["content"] is None and completion.finish_reason == "stop"
        return
    assert completion.finish_reason in ("stop", "length", "tool_calls", "content_filter")
    assert completion.usage["total_tokens"] == body["usageMetadata"]["totalTokenCount"]
    message = completion.message
    assert message["content"] or message.get("tool_calls") or message.get("reasoning_content")


@pytest.mark.parametrize("name", [n for n, i in ITEMS.items() if i["method"] == "streamGenerateContent"])
async def test_stream_answers_parse(name):
    async def events():
        for event in ITEMS[name]["body"]:
            yield event

    pieces = [d async for d in deltas(events())]
    assert pieces and pieces[0].delta.get("role") == "assistant"
    assert any(p.finish_reason for p in pieces)
    got = "".join(p.delta.get("content") or "" for p in pieces)
    sent = "".join(part.get("text", "") for e in ITEMS[name]["body"] for c in e.get("candidates") or []
                   for part in (c.get("content") or {}).get("parts") or [] if not part.get("thought"))
    assert got == sent


@pytest.mark.parametrize("name", [n for n, i in ITEMS.items() if i["method"] == "error"])
def test_google_errors_keep_their_message_status_and_retry(name):
    item = ITEMS[name]
    raw = json.dumps(item["body"]).encode()
    error = item["body"][0]["error"] if isinstance(item["body"], list) else item["body"]["error"]
    message, status, retry = parse_google_error(item["http_status"], raw)
    if isinstance(item["body"], dict):
        assert message == error["message"] and status == error["status"]
    err = google_error("gemini", item["http_status"], raw)
    assert err.status in (400, 403, 404, 429, 502)
    assert err.status != 500
    if item["http_status"] == 429:
        assert err.headers["Retry-After"] == "26" and retry == 26.0


@pytest.mark.parametrize("name", [n for n, i in ITEMS.items() if i["method"] == "fetchPredictOperation"])
def test_vertex_operations_parse(name):
    status = operation_status(ITEMS[name]["body"])
    assert status.done and status.result["response"]["@type"].endswith("GenerateVideoResponse")


@pytest.mark.parametrize("name", [n for n, i in ITEMS.items() if i["api"] == "interactions"])
def test_interactions_parse(name):
    body = _repaired(ITEMS[name]["body"])
    assert interaction_status(body).done == (body["status"] not in ("in_progress",))


# ---------------------------------------------------------------- the emulator answers in the same shape

GENERATE = shape_of(*bodies(of("gemini", "generateContent", "streamGenerateContent")))
VERTEX_GENERATE = shape_of(*bodies(of("vertex", "generateContent", "streamGenerateContent")))
ERRORS = shape_of(*bodies(of("gemini", "error")))
# Vertex answers inline bytes when no storageUri is given: VideoGenerationModelResult in Google's reference
# (docs.cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation, "Response body":
# videos[].bytesBase64Encoded | gcsUri, mimeType); no real capture of it is in the corpus.
VERTEX_OPERATION = shape_of(*bodies(of("vertex", "fetchPredictOperation")), {"response": {"videos": [
    {"bytesBase64Encoded": "", "mimeType": "video/mp4"}]}})
# Steps the captures do not show but Google's schema defines (google-genai 3.6.1 _gaos/types/interactions/
# userinputstep.py: content[] of TextContent; thoughtstep.py: signature; videocontent.py: data, for
# delivery "inline"): the emulator echoes the input as google-genai's generated client documents it.
INTERACTION = shape_of(*bodies(of("interactions", "interactions.create")), {"steps": [
    {"type": "user_input", "content": [{"type": "text", "text": ""}]}, {"type": "thought", "signature": ""},
    {"type": "model_output", "content": [{"type": "video", "data": "", "mime_type": "video/mp4"}]}]})
COUNT_TOKENS = shape_of(*bodies(of("gemini", "countTokens")))


async def _post(session, url: str, body, headers=KEY):
    async with session.post(url, json=body, headers=headers) as r:
        return r.status, await r.read()


@pytest.mark.parametrize("config", [{}, {"thinkingConfig": {"includeThoughts": True}},
                                    {"maxOutputTokens": 2}])
async def test_generate_content_has_googles_shape(emulator, session, config):
    url = f"{emulator.base_url}/v1beta/models/{GEMINI}:generateContent"
    status, raw = await _post(session, url, text_body("hello there", **config))
    assert status == 200
    assert shape_problems(GENERATE, json.loads(raw),
                          required=("candidates", "usageMetadata", "modelVersion", "responseId")) == []


async def test_a_function_call_and_an_image_stream_have_googles_shape(emulator, session):
    tools = [{"functionDeclarations": [{"name": "lookup", "parameters": {
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}]}]
    status, raw = await _post(session, f"{emulator.base_url}/v1beta/models/{GEMINI}:generateContent",
                              {**text_body("find [emulate:tool]"), "tools": tools})
    assert status == 200 and shape_problems(GENERATE, json.loads(raw)) == []
    status, raw = await _post(session, f"{emulator.base_url}/v1beta/models/{IMAGE_MODEL}:streamGenerateContent"
                                       "?alt=sse", text_body("a fox", responseModalities=["TEXT", "IMAGE"]))
    assert status == 200
    events = [json.loads(line[6:]) for line in raw.decode().split("\r\n") if line.startswith("data: ")]
    assert events
    for event in events:
        assert shape_problems(GENERATE, event, required=("candidates", "usageMetadata", "responseId")) == []


async def test_vertex_generate_content_has_googles_shape(emulator, session):
    # Gemini models are served on Vertex at `global` only (google-2026-12.md section 3)
    url = f"{emulator.base_url}{PREFIX.replace('us-central1', 'global')}/{GEMINI}:generateContent"
    status, raw = await _post(session, url, text_body("hello"), BEARER)
    assert status == 200, raw
    assert shape_problems(VERTEX_GENERATE, json.loads(raw)) == []


@pytest.mark.parametrize(("path", "headers", "body"), [
    ("/v1beta/models/gemini-pro:generateContent", KEY, text_body("x")),  # retired id: 404
    (f"/v1beta/models/{GEMINI}:generateContent", KEY, text_body("x [emulate:quota]")),  # 429
    (f"/v1beta/models/{GEMINI}:generateContent", KEY, text_body("x [emulate:unavailable]")),  # 503
    (f"/v1beta/models/{GEMINI}:generateContent", {"x-goog-api-key": ""}, text_body("x")),  # no key
])
async def test_errors_have_googles_shape(emulator, session, path, headers, body):
    status, raw = await _post(session, emulator.base_url + path, body, headers)
    assert status >= 400
    assert shape_problems(ERRORS, json.loads(raw), required=("error.code", "error.message", "error.status")) == []


async def test_count_tokens_has_googles_shape(emulator, session):
    status, raw = await _post(session, f"{emulator.base_url}/v1beta/models/{GEMINI}:countTokens", text_body("a b c"))
    assert status == 200 and shape_problems(COUNT_TOKENS, json.loads(raw), required=("totalTokens",)) == []


@pytest.mark.parametrize("prompt", ["A cat playing with a ball", "A cat [emulate:safety]"])
async def test_vertex_veo_operations_have_googles_shape(emulator, session, prompt):
    status, body = await vertex_submit(session, emulator, {"instances": [{"prompt": prompt}], "parameters": {}})
    assert status == 200, body
    operation = await fetch_until_done(session, emulator, body["name"])
    if "response" in operation:
        assert shape_problems(VERTEX_OPERATION, operation, required=("response.@type",)) == []


async def test_interactions_have_googles_shape(emulator, session):
    status, raw = await _post(session, f"{emulator.base_url}/v1beta/interactions",
                              {"model": "gemini-omni-flash-preview", "input": "A fox", "background": True})
    assert status == 200, raw
    assert shape_problems(INTERACTION, json.loads(raw), required=("id", "status")) == []

"""Google's own definitions as a second oracle (beside google-genai's request builders, tests/clients/
test_genai_oracle.py): every body genproxy sends and every body the emulator answers validates against

- the v1beta protos of ``google-ai-generativelanguage`` (json_format.ParseDict, unknown fields refused),
- the Vertex AI discovery document google-api-python-client ships (``aiplatform.v1``),
- google-genai's Interactions types (any field the type does not define is refused here).

Veo's bodies and operations: test_google_schemas_veo.py. The native paths (a Google SDK pointed at genproxy):
what genproxy forwards, what the emulator answers it, and what genproxy answers the SDK, here.
"""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

genai_interactions = pytest.importorskip("google.genai._gaos.types.interactions")
generativelanguage = pytest.importorskip("google.ai.generativelanguage_v1beta")
pytest.importorskip("googleapiclient")
from tests.conformance.google_schemas import (  # noqa: E402  (after the skips: the module imports them)
    discovery_problems,
    gemini_operation_problems,
    proto_problems,
    unknown_fields,
    veo_traffic_problems,
)
from tests.support import AUTH, CLIENT_KEY, chat  # noqa: E402
from tests.upstreams.conftest import token_file  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]
CHATS = [
    chat("gemini-3-flash-preview", "hello"),
    chat("gemini-3-flash-preview", "think", reasoning_effort="minimal", max_tokens=50, temperature=0.2),
    chat("gemini-3.1-pro-preview", "think harder", reasoning_effort="medium"),
    chat("gemini-3-flash-preview", "find [emulate:tool]", tools=TOOLS, tool_choice="required"),
    chat("gemini-3-pro-image", "a fox", image_config={"aspect_ratio": "16:9", "image_size": "2K"}),
    chat("gemini-3-flash-preview", "json please", response_format={"type": "json_schema", "json_schema": {
        "name": "x", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}),
]


GOOGLE_KEY = {"x-goog-api-key": CLIENT_KEY}
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
IMAGE = {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"}
# What a Google SDK sends genproxy's native paths (google-genai _GenerateContentParameters_to_mldev's names).
NATIVE_CONTENT = [
    {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]},
    {"contents": [{"role": "user", "parts": [{"text": "think"}]}], "systemInstruction": {"parts": [{"text": "brief"}]},
     "generationConfig": {"temperature": 0.2, "maxOutputTokens": 64, "thinkingConfig": {"thinkingLevel": "LOW"}}},
    {"contents": [{"role": "user", "parts": [{"text": "find [emulate:tool]"}]}],
     "tools": [{"functionDeclarations": [{"name": "lookup", "parameters": {
         "type": "OBJECT", "properties": {"q": {"type": "STRING"}}, "required": ["q"]}}]}]},
]


@pytest.fixture
async def emulator(make_emulator):
    return await make_emulator(record_answers=True)


def sent(emulator, fragment: str) -> list[dict]:
    return [r.json for r in emulator.state.requests if fragment in r.path and isinstance(r.json, dict)]


async def test_gemini_api_bodies_and_answers_validate_against_the_v1beta_protos(proxy, emulator):
    for body in CHATS:
        resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=body)
        assert resp.status == 200, await resp.text()
        resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={**body, "stream": True})
        assert resp.status == 200, await resp.text()
        await resp.read()
    calls = [r for r in emulator.state.requests if "enerateContent" in r.path]
    assert len(calls) == 2 * len(CHATS)
    async with aiohttp.ClientSession() as session:
        for call in calls:
            assert proto_problems(generativelanguage.GenerateContentRequest, call.json) is None, call.json
            # and what the emulator answers to the same body
            async with session.post(emulator.base_url + call.path.replace(":streamGenerateContent", ":generateContent"),
                                    json=call.json, headers={"x-goog-api-key": "k"}) as r:
                answer = await r.json()
            assert r.status == 200, answer
            assert proto_problems(generativelanguage.GenerateContentResponse, answer) is None, answer


async def test_vertex_bodies_and_answers_validate_against_the_discovery_document(make_proxy, emulator, tmp_path):
    token_file(tmp_path / "auth", access_token="ya29.schema", project_id="emu-project")
    proxy = await make_proxy(gemini_api_keys=[])  # gemini routes are served through Vertex AI
    for body in CHATS:
        resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=body)
        assert resp.status == 200, await resp.text()
    calls = [r for r in emulator.state.requests if r.path.endswith(":generateContent")]
    assert len(calls) == len(CHATS) and all("/projects/" in c.path for c in calls)
    async with aiohttp.ClientSession() as session:
        for call in calls:
            assert discovery_problems("GoogleCloudAiplatformV1GenerateContentRequest", call.json) == [], call.json
            async with session.post(emulator.base_url + call.path, json=call.json,
                                    headers={"Authorization": "Bearer ya29.schema"}) as r:
                answer = await r.json()
            assert discovery_problems("GoogleCloudAiplatformV1GenerateContentResponse", answer) == [], answer


async def test_interactions_validate_against_google_genais_types(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "gemini-omni-flash-preview", "messages": [{"role": "user", "content": "A fox in the snow"}],
        "modalities": ["video", "text"], "video_config": {"duration_seconds": 4}})
    assert resp.status == 200, await resp.text()
    [create] = sent(emulator, "/interactions")
    request = genai_interactions.CreateModelInteraction.model_validate(create)
    assert unknown_fields(request) == []
    async with aiohttp.ClientSession() as session:
        for path in {r.path for r in emulator.state.requests if "/interactions/" in r.path}:
            async with session.get(emulator.base_url + path, headers={"x-goog-api-key": "test-upstream-key-0001"}) as r:
                answer = await r.json()
            assert r.status == 200, answer
            interaction = genai_interactions.Interaction.model_validate(answer)
            assert unknown_fields(interaction) == [], answer.keys()


def sse_events(text: str) -> list[dict]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


async def poll_native(proxy, path: str, body: dict | None = None) -> list[dict]:
    """Every answer genproxy gives an SDK polling its operation (GET on the Gemini API, fetchPredictOperation
    on Vertex), up to the finished one."""
    answers: list[dict] = []
    for _ in range(200):
        resp = await (proxy.post(path, json=body, headers=GOOGLE_KEY) if body else proxy.get(path, headers=GOOGLE_KEY))
        assert resp.status == 200, await resp.text()
        answers.append(await resp.json())
        if answers[-1].get("done"):
            return answers
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never finished: {answers[-1]}")


async def test_native_gemini_api_paths_validate_against_the_v1beta_protos(proxy, emulator):
    """What a Google SDK gets from genproxy's /v1beta, what genproxy forwards, what the emulator answers."""
    for body in NATIVE_CONTENT:
        resp = await proxy.post("/v1beta/models/gemini-3-flash-preview:generateContent", json=body, headers=GOOGLE_KEY)
        assert resp.status == 200, await resp.text()
        assert proto_problems(generativelanguage.GenerateContentResponse, await resp.json()) is None
        resp = await proxy.post("/v1beta/models/gemini-3-flash-preview:streamGenerateContent?alt=sse", json=body,
                                headers=GOOGLE_KEY)
        assert resp.status == 200, await resp.text()
        events = sse_events(await resp.text())
        assert events and [proto_problems(generativelanguage.GenerateContentResponse, e) for e in events] == \
            [None] * len(events)
    forwarded = [r for r in emulator.state.requests if "enerateContent" in r.path]
    assert len(forwarded) == 2 * len(NATIVE_CONTENT)
    for record in forwarded:
        assert proto_problems(generativelanguage.GenerateContentRequest, record.json) is None, record.json
        if record.path.endswith(":generateContent"):
            assert record.status == 200 and proto_problems(generativelanguage.GenerateContentResponse,
                                                           record.answer) is None, record.answer

    veo = {"instances": [{"prompt": "A fox", "image": IMAGE, "lastFrame": IMAGE}],
           "parameters": {"aspectRatio": "9:16", "durationSeconds": 6, "personGeneration": "allow_adult"}}
    resp = await proxy.post("/v1beta/models/veo-3.1-generate-preview:predictLongRunning", json=veo, headers=GOOGLE_KEY)
    assert resp.status == 200, await resp.text()
    started = await resp.json()
    answers = [started, *await poll_native(proxy, f"/v1beta/{started['name']}")]
    assert len(answers) >= 3 and answers[-1]["response"]["generateVideoResponse"]["generatedSamples"]
    assert [gemini_operation_problems(a) for a in answers] == [None] * len(answers)
    problems, seen = veo_traffic_problems(emulator.state.requests)
    assert problems == [] and seen["gemini request"] == 1 and seen["videos"] == 1


async def test_native_vertex_paths_validate_against_the_discovery_document(proxy, emulator):
    """google-genai in Vertex mode (the only mode where 3.x makes videos) against genproxy: its operations are
    Vertex's; the body genproxy forwards to the Gemini API route is the Gemini API's."""
    veo = {"instances": [{"prompt": "A fox", "referenceImages": [{"image": IMAGE, "referenceType": "ASSET"}]}],
           "parameters": {"durationSeconds": 8, "sampleCount": 1, "negativePrompt": "rain"}}
    base = "/v1beta1/publishers/google/models/veo-3.1-generate-preview"
    resp = await proxy.post(f"{base}:predictLongRunning", json=veo, headers=GOOGLE_KEY)
    assert resp.status == 200, await resp.text()
    started = await resp.json()
    fetch = {"operationName": started["name"]}
    assert discovery_problems("GoogleCloudAiplatformV1FetchPredictOperationRequest", fetch) == []
    answers = [started, *await poll_native(proxy, f"{base}:fetchPredictOperation", fetch)]
    assert len(answers) >= 3 and answers[-1]["response"]["videos"]
    assert [discovery_problems("GoogleLongrunningOperation", a) for a in answers] == [[]] * len(answers)
    problems, seen = veo_traffic_problems(emulator.state.requests)
    assert problems == [] and seen["gemini request"] == 1 and seen["videos"] == 1

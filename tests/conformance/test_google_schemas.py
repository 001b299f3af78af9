"""Google's own definitions as a second oracle (beside google-genai's request builders, tests/clients/
test_genai_oracle.py): every body genproxy sends and every body the emulator answers validates against

- the v1beta protos of ``google-ai-generativelanguage`` (json_format.ParseDict, unknown fields refused),
- the Vertex AI discovery document google-api-python-client ships (``aiplatform.v1``),
- google-genai's Interactions types (any field the type does not define is refused here).
"""
from __future__ import annotations

import json
import os
from typing import Any

import aiohttp
import pytest

genai_interactions = pytest.importorskip("google.genai._gaos.types.interactions")
generativelanguage = pytest.importorskip("google.ai.generativelanguage_v1beta")
googleapiclient = pytest.importorskip("googleapiclient")
from google.protobuf import json_format  # noqa: E402  (after the skips: a dependency of the packages above)
from pydantic import BaseModel  # noqa: E402

from tests.support import AUTH, chat  # noqa: E402
from tests.upstreams.conftest import token_file  # noqa: E402

DISCOVERY = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents",
                         "aiplatform.v1.json")
VERTEX_SCHEMAS = json.load(open(DISCOVERY))["schemas"]
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


# Fields Google's API takes (google-genai 3.6.1 sends them: types.ThinkingConfig.thinking_level,
# types.ImageConfig.image_size; the aiplatform.v1 discovery document has them) that the newest published
# v1beta protos (google-ai-generativelanguage 0.12.1) do not define yet: left out before parsing, and only these.
AHEAD_OF_PROTOS = (("generationConfig", "thinkingConfig", "thinkingLevel"),
                   ("generationConfig", "imageConfig", "imageSize"))


def _without_newer_fields(body: dict) -> dict:
    body = json.loads(json.dumps(body))
    for *parents, name in AHEAD_OF_PROTOS:
        node = body
        for parent in parents:
            node = node.get(parent) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(name, None)
    return body


def proto_problems(message_class, body: dict) -> str | None:
    try:
        json_format.ParseDict(_without_newer_fields(body), message_class.pb()(), ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        return str(exc)
    return None


def discovery_problems(schema_id: str, value: Any, path: str = "$") -> list[str]:
    """``value`` against a schema of the discovery document: known fields only, the declared types, enums."""
    schema = VERTEX_SCHEMAS[schema_id] if isinstance(schema_id, str) else schema_id
    if "$ref" in schema:
        return discovery_problems(schema["$ref"], value, path)
    kind = schema.get("type")
    if kind == "any" or kind is None:
        return []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        problems = []
        properties = schema.get("properties")
        for key, item in value.items():
            if properties is not None and key in properties:
                problems += discovery_problems(properties[key], item, f"{path}.{key}")
            elif "additionalProperties" in schema:
                problems += discovery_problems(schema["additionalProperties"], item, f"{path}.{key}")
            else:
                problems.append(f"{path}.{key}: not in {schema.get('id', 'the schema')}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: not an array"]
        return [p for i, item in enumerate(value) for p in discovery_problems(schema["items"], item, f"{path}[{i}]")]
    if kind == "string":
        if not isinstance(value, str) and schema.get("format") not in ("int64", "uint64"):
            return [f"{path}: not a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r} is not one of {schema['enum']}"]
        return []
    if kind in ("integer", "number"):
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{path}: not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: not a boolean"]
    return []


def unknown_fields(model: BaseModel, path: str = "$") -> list[str]:
    """Fields google-genai's (extra="allow") types took without defining them."""
    found = [f"{path}.{k}" for k in (model.model_extra or {})]
    for name in type(model).model_fields:
        found += _walk(getattr(model, name), f"{path}.{name}")
    return found


def _walk(value: Any, path: str) -> list[str]:
    if isinstance(value, BaseModel):
        return unknown_fields(value, path)
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _walk(item, f"{path}[{i}]")]
    return []


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

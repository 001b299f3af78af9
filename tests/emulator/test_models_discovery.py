"""The model table through real sockets: ListModels / GetModel, retired ids, methods per model."""

from __future__ import annotations

import pytest

from proxy.emulator.models import load_catalog

from .helpers import BEARER, KEY, text_body, veo_body

# The suite's emulator plays the 2026-11 snapshot (tests/conftest.py); tests/catalog/ covers 2026-12.
CATALOG = load_catalog("2026-11")
LIVE_MODELS, RETIRED_MODELS = CATALOG.models, CATALOG.retired

NOT_FOUND_TAIL = ("Call ListModels to see the list of available models and their supported methods.")


async def list_all(session, emu, page_size: int | None = None) -> tuple[list[dict], int]:
    models, token, pages = [], None, 0
    while True:
        query = {}
        if page_size is not None:
            query["pageSize"] = str(page_size)
        if token:
            query["pageToken"] = token
        async with session.get(f"{emu.base_url}/v1beta/models", params=query, headers=KEY) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        pages += 1
        models += body["models"]
        token = body.get("nextPageToken")
        if not token:
            return models, pages


async def test_list_models_has_live_ids_with_methods_and_no_retired(emulator, session):
    models, pages = await list_all(session, emulator)
    assert pages == 1  # default page size 50 holds the whole table
    by_name = {m["name"]: m for m in models}
    for model_id in ("gemini-3-pro-image", "gemini-3.1-flash-image", "gemini-3.1-pro-preview",
                     "gemini-3-flash-preview", "veo-3.1-lite-generate-preview", "gemini-omni-flash-preview"):
        assert f"models/{model_id}" in by_name
    for retired in RETIRED_MODELS:
        assert f"models/{retired}" not in by_name
    assert "models/veo-3.1-generate-001" not in by_name  # Vertex-only id
    text = by_name["models/gemini-3-flash-preview"]
    assert text["supportedGenerationMethods"] == ["generateContent", "streamGenerateContent", "countTokens"]
    assert text["baseModelId"] == "gemini-3-flash-preview"
    assert text["inputTokenLimit"] == 1_048_576 and text["outputTokenLimit"] == 65_536
    assert {"version", "displayName"} <= set(text)
    assert by_name["models/veo-3.1-generate-preview"]["supportedGenerationMethods"] == ["predictLongRunning"]
    assert by_name["models/gemini-omni-1.2-flash"]["supportedGenerationMethods"] == ["generateContent", "countTokens"]


async def test_list_models_paginates(emulator, session):
    everything, _ = await list_all(session, emulator)
    paged, pages = await list_all(session, emulator, page_size=4)
    assert [m["name"] for m in paged] == [m["name"] for m in everything]
    assert pages == -(-len(everything) // 4)
    async with session.get(f"{emulator.base_url}/v1beta/models?pageSize=5000", headers=KEY) as r:
        assert len((await r.json())["models"]) == len(everything)  # capped at 1000, not refused
    async with session.get(f"{emulator.base_url}/v1beta/models?pageToken=garbage", headers=KEY) as r:
        assert r.status == 400 and (await r.json())["error"]["status"] == "INVALID_ARGUMENT"


async def test_get_model(emulator, session):
    async with session.get(f"{emulator.base_url}/v1beta/models/gemini-3-pro-image", headers=KEY) as r:
        assert r.status == 200
        assert (await r.json())["name"] == "models/gemini-3-pro-image"
    async with session.get(f"{emulator.base_url}/v1beta/models/no-such-model", headers=KEY) as r:
        assert r.status == 404
        error = (await r.json())["error"]
    assert error["status"] == "NOT_FOUND"
    assert error["message"].startswith("models/no-such-model is not found for API version v1beta")
    async with session.get(f"{emulator.base_url}/v1beta/models/gemini-3-pro-image-preview", headers=KEY) as r:
        assert r.status == 404
        error = (await r.json())["error"]
    assert error["message"] == ("This model models/gemini-3-pro-image-preview is no longer available to new users. "
                                "Use gemini-3-pro-image instead.")


@pytest.mark.parametrize("model", sorted(RETIRED_MODELS))
@pytest.mark.parametrize("action", ["generateContent", "streamGenerateContent", "countTokens", "predictLongRunning"])
async def test_retired_ids_answer_every_method_with_googles_404(emulator, session, model, action):
    body = veo_body() if action == "predictLongRunning" else text_body("hi")
    async with session.post(f"{emulator.base_url}/v1beta/models/{model}:{action}", json=body, headers=KEY) as r:
        assert r.status == 404
        error = (await r.json())["error"]
    # Google's answer to a shut-down id (3P: jt196/vanilla-cookbook #421), naming the replacement
    assert error == {"code": 404, "status": "NOT_FOUND", "message":
                     f"This model models/{model} is no longer available to new users. "
                     f"Use {RETIRED_MODELS[model].replacement} instead."}
    assert not emulator.state.operations


async def test_method_a_model_does_not_list_is_404(emulator, session):
    base = f"{emulator.base_url}/v1beta/models"
    async with session.post(f"{base}/veo-3.1-generate-preview:generateContent", json=text_body("hi"), headers=KEY) as r:
        assert r.status == 404
        assert "is not supported for generateContent" in (await r.json())["error"]["message"]
    async with session.post(f"{base}/gemini-3-flash-preview:predictLongRunning", json=veo_body(), headers=KEY) as r:
        assert r.status == 404
        assert "is not supported for predictLongRunning" in (await r.json())["error"]["message"]


async def test_count_tokens(emulator, session):
    async with session.post(f"{emulator.base_url}/v1beta/models/gemini-3-flash-preview:countTokens",
                            json=text_body("four words right here"), headers=KEY) as r:
        assert r.status == 200
        assert (await r.json())["totalTokens"] > 0


@pytest.mark.parametrize("model", ["gemini-omni-flash-preview", "gemini-omni-1.1-flash", "gemini-omni-1.2-flash"])
@pytest.mark.parametrize("action", ["generateContent", "streamGenerateContent"])
async def test_omni_only_supports_interactions(emulator, session, model, action):
    async with session.post(f"{emulator.base_url}/v1beta/models/{model}:{action}", json=text_body("a cat"),
                            headers=KEY) as r:
        assert r.status == 400
        error = (await r.json())["error"]
    assert error["message"] == "This model only supports Interactions API."
    assert error["status"] == "INVALID_ARGUMENT"


async def test_vertex_publisher_model_get(emulator, session):
    for version in ("v1", "v1beta1"):
        async with session.get(f"{emulator.base_url}/{version}/publishers/google/models/veo-3.1-generate-001",
                               headers=BEARER) as r:
            assert r.status == 200
            body = await r.json()
        assert body["name"] == "publishers/google/models/veo-3.1-generate-001" and body["launchStage"] == "GA"
    for missing in ("veo-2.0-generate-001", "gemini-omni-flash-preview", "nope"):
        async with session.get(f"{emulator.base_url}/v1/publishers/google/models/{missing}", headers=BEARER) as r:
            assert r.status == 404
            assert f"`publishers/google/models/{missing}` not found" in (await r.json())["error"]["message"]
    async with session.get(f"{emulator.base_url}/v1/publishers/google/models/veo-3.1-generate-001", headers=KEY) as r:
        assert r.status == 401  # Vertex takes no API key


async def test_every_live_id_is_served_somewhere(emulator, session):
    """The table is consistent: an id listed on the Gemini API answers its first method there."""
    for info in LIVE_MODELS.values():
        if not info.gemini_api or info.kind == "omni":
            continue
        action = info.methods[0]
        body = veo_body() if action == "predictLongRunning" else text_body("hi")
        if info.kind == "tts":  # a TTS model refuses text output (proxy/emulator/audio.py): ask it to speak
            body["generationConfig"] = {"responseModalities": ["AUDIO"], "speechConfig": {
                "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}}
        async with session.post(f"{emulator.base_url}/v1beta/models/{info.id}:{action}", json=body,
                                headers=KEY) as r:
            assert r.status == 200, (info.id, await r.text())

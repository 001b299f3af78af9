"""Veo on Vertex AI: predictLongRunning + fetchPredictOperation with inline base64 videos."""

from __future__ import annotations

import asyncio
import base64
import re

import pytest

from .helpers import BEARER, mp4_info, veo_body

PREFIX = "/v1/projects/my-proj/locations/us-central1/publishers/google/models"


async def vertex_submit(session, emu, body, model="veo-3.1-generate-001"):
    async with session.post(f"{emu.base_url}{PREFIX}/{model}:predictLongRunning", json=body, headers=BEARER) as r:
        return r.status, await r.json()


async def vertex_fetch(session, emu, name, model="veo-3.1-generate-001"):
    async with session.post(f"{emu.base_url}{PREFIX}/{model}:fetchPredictOperation",
                            json={"operationName": name}, headers=BEARER) as r:
        return r.status, await r.json()


async def fetch_until_done(session, emu, name, model="veo-3.1-generate-001"):
    for _ in range(200):
        status, op = await vertex_fetch(session, emu, name, model)
        if status == 200 and op["done"]:
            return op
        await asyncio.sleep(0.05)
    raise AssertionError("never done")


@pytest.mark.parametrize("model,aspect,seconds", [
    ("veo-3.1-generate-001", "16:9", 8), ("veo-3.1-fast-generate-001", "9:16", 6),
    ("veo-3.0-generate-001", "16:9", 4), ("veo-3.0-fast-generate-001", "16:9", 8),
    ("veo-3.1-lite-generate-001", "9:16", 4),
])
async def test_vertex_round_trip_inline_video(emulator, session, model, aspect, seconds):
    params = {"aspectRatio": aspect, "durationSeconds": seconds, "generateAudio": True,
              "personGeneration": "allow_adult", "compressionQuality": "optimized"}
    status, body = await vertex_submit(session, emulator, veo_body(**params), model)
    assert status == 200, body
    assert re.fullmatch(rf"projects/my-proj/locations/us-central1/publishers/google/models/{re.escape(model)}"
                        r"/operations/[a-z0-9]{12}", body["name"])
    op = await fetch_until_done(session, emulator, body["name"], model)
    response = op["response"]
    assert response["@type"] == "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
    assert response["raiMediaFilteredCount"] == 0
    video = response["videos"][0]
    assert video["mimeType"] == "video/mp4"
    info = mp4_info(base64.b64decode(video["bytesBase64Encoded"]))
    assert info["top"][0] == b"ftyp" and info["seconds"] == pytest.approx(seconds, abs=0.05)


async def test_vertex_pending_shape(make_emulator, session):
    emu = await make_emulator(operation_delay=5)
    _, body = await vertex_submit(session, emu, veo_body(generateAudio=False))
    status, op = await vertex_fetch(session, emu, body["name"])
    assert status == 200 and op == {"name": body["name"], "done": False}


async def test_vertex_storage_uri_gives_gcs_uri(emulator, session):
    _, body = await vertex_submit(session, emulator, veo_body(generateAudio=True, storageUri="gs://bucket/out/"))
    op = await fetch_until_done(session, emulator, body["name"])
    video = op["response"]["videos"][0]
    assert video["gcsUri"].startswith("gs://bucket/out/") and "bytesBase64Encoded" not in video


async def test_vertex_padding_applies_to_inline_video(make_emulator, session):
    emu = await make_emulator(video_padding_bytes=200_000)
    _, body = await vertex_submit(session, emu, veo_body(generateAudio=True))
    op = await fetch_until_done(session, emu, body["name"])
    assert len(base64.b64decode(op["response"]["videos"][0]["bytesBase64Encoded"])) == 200_000


async def test_vertex_image_may_be_gcs_uri(emulator, session):
    body = {"instances": [{"prompt": "x", "image": {"gcsUri": "gs://b/i.png", "mimeType": "image/png"}}],
            "parameters": {"generateAudio": True, "resizeMode": "pad"}}
    status, reply = await vertex_submit(session, emulator, body)
    assert status == 200, reply


@pytest.mark.parametrize("params,fragment", [
    ({"generateAudio": "yes"}, "generateAudio must be a boolean"),
    ({"generateAudio": True, "personGeneration": "allow_all"}, "personGeneration"),
    ({"generateAudio": True, "compressionQuality": "best"}, "compressionQuality"),
    ({"generateAudio": True, "resizeMode": "stretch"}, "resizeMode"),
    ({"generateAudio": True, "storageUri": "s3://x"}, "storageUri"),
    ({"generateAudio": True, "durationSeconds": "8"}, "Invalid JSON payload"),
    ({"generateAudio": True, "sampleCount": 5}, "sampleCount"),
    ({"generateAudio": True, "fps": 30}, "fps"),
])
async def test_vertex_validation(emulator, session, params, fragment):
    status, body = await vertex_submit(session, emulator, veo_body(**params))
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    assert fragment in body["error"]["message"]


async def test_vertex_unknown_model_and_operation(emulator, session):
    for model in ("veo-9", "veo-2.0-generate-001", "gemini-3-flash-preview"):
        status, body = await vertex_submit(session, emulator, veo_body(generateAudio=True), model)
        assert status == 404 and "Publisher Model" in body["error"]["message"]
    status, body = await vertex_fetch(session, emulator, "projects/my-proj/locations/us-central1/publishers/"
                                      "google/models/veo-3.1-generate-001/operations/aaaaaaaaaaaa")
    assert status == 404
    status, body = await vertex_fetch(session, emulator, "")
    assert status == 400


@pytest.mark.parametrize("video,ok", [
    ({"gcsUri": "gs://bucket/earlier.mp4", "mimeType": "video/mp4"}, True),
    ({"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"}, True),
    ({"uri": "https://generativelanguage.googleapis.com/v1beta/files/abc:download?alt=media"}, False),
    ({"bytesBase64Encoded": "AAAA"}, False),
    ({"gcsUri": "https://x/v.mp4"}, False),
])
async def test_vertex_extension_video_shapes(emulator, session, video, ok):
    body = {"instances": [{"prompt": "go on", "video": video}],
            "parameters": {"generateAudio": True, "durationSeconds": 8, "seed": 3, "fps": 24}}
    status, reply = await vertex_submit(session, emulator, body)
    assert status == (200 if ok else 400), reply


async def test_gemini_models_are_served_on_vertex_only_at_global(emulator, session):
    """Vertex AI serves Gemini 3.x text and image models at `global` only (google-2026-12.md section 3)."""
    for location, status in (("us-central1", 404), ("global", 200)):
        url = f"{emulator.base_url}{PREFIX.replace('us-central1', location)}/gemini-3-flash-preview:generateContent"
        async with session.post(url, json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
                                headers=BEARER) as r:
            assert r.status == status, await r.text()

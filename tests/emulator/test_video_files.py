"""The served videos match the request, as a media probe sees them (PyAV, ffmpeg's libraries)."""

from __future__ import annotations

import base64
import io

import av
import pytest

from proxy.emulator.media import SAMPLES_DIR

from .helpers import BEARER, KEY, poll_until_done, submit_veo, veo_body

SIZES = {("16:9", "720p"): (1280, 720), ("9:16", "720p"): (720, 1280),
         ("16:9", "1080p"): (1920, 1080), ("9:16", "1080p"): (1080, 1920),
         ("16:9", "4k"): (3840, 2160), ("9:16", "4k"): (2160, 3840)}


def probe(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        return {"width": video.codec_context.width, "height": video.codec_context.height,
                "seconds": container.duration / 1_000_000,
                "audio": [s.codec_context.name for s in container.streams.audio]}


@pytest.mark.parametrize("model,aspect,resolution,seconds", [
    ("veo-3.1-generate-preview", "16:9", "720p", 4),
    ("veo-3.1-generate-preview", "9:16", "720p", 6),
    ("veo-3.1-generate-preview", "16:9", "1080p", 8),
    ("veo-3.1-fast-generate-preview", "9:16", "1080p", 8),
    ("veo-3.1-generate-preview", "16:9", "4k", 8),
    ("veo-3.1-generate-preview", "9:16", "4k", 8),
    ("veo-3.1-lite-generate-preview", "16:9", "1080p", 4),
    ("veo-3.0-generate-001", "16:9", "1080p", 8),
])
async def test_gemini_api_video_matches_request_with_sound(emulator, session, model, aspect, resolution, seconds):
    params = {"aspectRatio": aspect, "resolution": resolution, "durationSeconds": seconds}
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body(**params), model))
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    async with session.get(uri, headers=KEY) as r:
        assert r.status == 200
        data = await r.read()
    info = probe(data)
    assert (info["width"], info["height"]) == SIZES[(aspect, resolution)]
    assert info["seconds"] == pytest.approx(seconds, abs=0.1)
    assert info["audio"] == ["aac"]  # Veo 3 makes sound


@pytest.mark.parametrize("audio", [True, False])
async def test_vertex_video_has_sound_only_when_asked(emulator, session, audio):
    url = (f"{emulator.base_url}/v1/projects/p/locations/us-central1/publishers/google/models/"
           "veo-3.1-generate-001:predictLongRunning")
    body = veo_body(generateAudio=audio, durationSeconds=6, aspectRatio="9:16")
    async with session.post(url, json=body, headers=BEARER) as r:
        assert r.status == 200
        name = (await r.json())["name"]
    fetch = url.replace(":predictLongRunning", ":fetchPredictOperation")
    async with session.post(fetch, json={"operationName": name}, headers=BEARER) as r:
        op = await r.json()
    assert op["done"], op
    info = probe(base64.b64decode(op["response"]["videos"][0]["bytesBase64Encoded"]))
    assert (info["width"], info["height"]) == (720, 1280)
    assert info["seconds"] == pytest.approx(6, abs=0.1)
    assert info["audio"] == (["aac"] if audio else [])


def test_samples_stay_small():
    files = list(SAMPLES_DIR.glob("*.mp4"))
    # 2 orientations x 3 sizes x 8 lengths x (sound, silent), and 2 x 8 x 3 edit colours (Omni edits)
    assert len(files) == 96 + 48
    assert sum(f.stat().st_size for f in files) < 7_000_000  # 24 fps with a tone: ~40 KB a file

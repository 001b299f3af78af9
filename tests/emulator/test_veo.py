"""Veo on the Gemini API: submit, poll, download, and validation as in wire-formats.md section 7."""

from __future__ import annotations

import asyncio
import re

import pytest

from .helpers import KEY, VEO, mp4_boxes, mp4_info, poll_until_done, submit_veo, veo_body

PNG_B64 = "iVBORw0KGgo="  # valid base64 is all the emulator checks


def submit_url(emu, model=VEO) -> str:
    return f"{emu.base_url}/v1beta/models/{model}:predictLongRunning"


async def download(session, uri: str) -> bytes:
    async with session.get(uri, headers=KEY) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "video/mp4"
        data = await r.read()
        assert int(r.headers["Content-Length"]) == len(data)
        assert len(r.history) == 1 and r.history[0].status == 302
        assert "/emulator/media/" in str(r.url)
        return data


@pytest.mark.parametrize("model,aspect,seconds", [
    ("veo-3.1-generate-preview", "16:9", 8),
    ("veo-3.1-fast-generate-preview", "9:16", 4),
    ("veo-3.0-generate-001", "16:9", 6),
    ("veo-3.1-lite-generate-preview", "16:9", 6),
])
async def test_text_to_video_round_trip(emulator, session, model, aspect, seconds):
    name = await submit_veo(session, emulator, veo_body(aspectRatio=aspect, durationSeconds=seconds), model)
    assert re.fullmatch(rf"models/{re.escape(model)}/operations/[a-z0-9]{{12}}", name)
    op = await poll_until_done(session, emulator, name)
    assert op["name"] == name
    response = op["response"]
    assert response["@type"] == "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
    gvr = response["generateVideoResponse"]
    assert gvr["raiMediaFilteredCount"] == 0 and gvr["raiMediaFilteredReasons"] == []
    uri = gvr["generatedSamples"][0]["video"]["uri"]
    assert uri.startswith(f"{emulator.base_url}/v1beta/files/") and uri.endswith(":download?alt=media")
    data = await download(session, uri)
    info = mp4_info(data)
    assert info["top"][0] == b"ftyp"
    assert info["seconds"] == pytest.approx(seconds, abs=0.05)
    a, b = (int(x) for x in aspect.split(":"))
    assert info["width"] * b == info["height"] * a
    assert len(data) < 20_000 * seconds  # a flat 24 fps encode: a few KB per second


async def test_pending_then_done(make_emulator, session):
    emu = await make_emulator(operation_delay=0.8)
    name = await submit_veo(session, emu, veo_body())
    async with session.get(f"{emu.base_url}/v1beta/{name}", headers=KEY) as r:
        op = await r.json()
    assert op == {"name": name, "done": False}  # no metadata: PredictLongRunningMetadata has no fields
    await asyncio.sleep(0.85)
    async with session.get(f"{emu.base_url}/v1beta/{name}", headers=KEY) as r:
        assert (await r.json())["done"] is True


async def test_uri_uses_host_header(emulator, session):
    name = await submit_veo(session, emulator, veo_body())
    async with session.get(f"{emulator.base_url}/v1beta/{name}",
                           headers={**KEY, "Host": "emu.example:8080"}) as r:
        op = await r.json()
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    assert uri.startswith("http://emu.example:8080/v1beta/files/")


async def test_padding_gives_requested_size_and_stays_valid(make_emulator, session):
    emu = await make_emulator(video_padding_bytes=1_000_000)
    op = await poll_until_done(session, emu, await submit_veo(session, emu, veo_body(durationSeconds=4)))
    data = await download(session, op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"])
    assert len(data) == 1_000_000
    boxes = mp4_boxes(data)  # parses every top-level box to the very end
    assert boxes[0][0] == b"ftyp" and boxes[-1][0] == b"free"
    assert mp4_info(data)["seconds"] == pytest.approx(4, abs=0.05)


async def test_image_to_video_and_interpolation(emulator, session):
    image = {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"}
    body = {"instances": [{"prompt": "move", "image": image, "lastFrame": image}],
            "parameters": {"personGeneration": "allow_adult"}}
    await poll_until_done(session, emulator, await submit_veo(session, emulator, body))
    body = {"instances": [{"image": image}], "parameters": {}}  # image alone is enough
    await submit_veo(session, emulator, body)


async def test_reference_images_and_extension(emulator, session):
    image = {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"}
    refs = [{"image": image, "referenceType": "asset"}] * 3
    await submit_veo(session, emulator, {"instances": [{"prompt": "x", "referenceImages": refs}],
                                          "parameters": {"durationSeconds": 8}})
    first = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body()))
    uri = first["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    # the generated video's URI, as Google returns it, is what an extension takes
    await submit_veo(session, emulator, {"instances": [{"prompt": "x", "video": {"uri": uri}}],
                                          "parameters": {"durationSeconds": 8, "resolution": "720p"}})


IMG = {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"}


@pytest.mark.parametrize("model,instance,params,fragment", [
    (VEO, {"prompt": "x"}, {"aspectRatio": "1:1"}, "aspect ratio"),
    (VEO, {"prompt": "x"}, {"durationSeconds": 5}, "durationSeconds is out of range"),
    (VEO, {"prompt": "x"}, {"durationSeconds": "8"}, "Invalid JSON payload"),
    (VEO, {"prompt": "x"}, {"durationSeconds": 8.5}, "Invalid value"),
    (VEO, {"prompt": "x"}, {"resolution": "1080p", "durationSeconds": 6}, "durationSeconds 8"),
    (VEO, {"prompt": "x"}, {"resolution": "4k", "durationSeconds": 4}, "durationSeconds 8"),
    (VEO, {"prompt": "x"}, {"resolution": "480p"}, "resolution"),
    (VEO, {"prompt": "x"}, {"sampleCount": 2}, "sampleCount"),
    (VEO, {"prompt": "x"}, {"generateAudio": True}, "`generateAudio` isn't supported by this model"),
    (VEO, {"prompt": "x"}, {"seed": 42}, "`seed` isn't supported by this model"),
    (VEO, {"prompt": "x"}, {"storageUri": "gs://b/"}, "`storageUri` isn't supported"),
    (VEO, {"prompt": "x"}, {"fps": 24}, "`fps` isn't supported"),
    (VEO, {"prompt": "x"}, {"compressionQuality": "optimized"}, "`compressionQuality` isn't supported"),
    (VEO, {"prompt": "x"}, {"resizeMode": "pad"}, "`resizeMode` isn't supported"),
    (VEO, {"prompt": "x"}, {"numberOfVideos": 1}, 'Unknown name "numberOfVideos" at \'parameters\''),
    (VEO, {"prompt": "x", "video": {"uri": "http://x/v"}}, {"durationSeconds": 8}, "Gemini Files API URI"),
    (VEO, {"prompt": "x", "video": {"uri": "http://x/v1beta/files/nosuchfile"}}, {}, "Gemini Files API URI"),
    (VEO, {"prompt": "x", "video": {"gcsUri": "gs://b/v.mp4"}}, {}, "`gcsUri` isn't supported"),
    (VEO, {"prompt": "x", "video": {"bytesBase64Encoded": PNG_B64, "mimeType": "video/mp4"}}, {},
     "`bytesBase64Encoded` isn't supported"),
    (VEO, {"prompt": "x"}, {"personGeneration": "allow_adult"}, "personGeneration"),
    (VEO, {"prompt": "x", "image": IMG}, {"personGeneration": "allow_all"}, "personGeneration"),
    (VEO, {"prompt": "x", "image": {"inlineData": {"data": PNG_B64, "mimeType": "image/png"}}}, {}, "inlineData"),
    (VEO, {"prompt": "x", "image": {"bytesBase64Encoded": "!!!", "mimeType": "image/png"}}, {}, "Base64"),
    (VEO, {"prompt": "x", "lastFrame": IMG}, {}, "lastFrame requires image"),
    (VEO, {"prompt": "x", "referenceImages": [{"image": IMG}] * 4}, {}, "referenceImages"),
    (VEO, {"prompt": "x", "referenceImages": [{"image": IMG}]}, {"durationSeconds": 4}, "durationSeconds 8"),
    (VEO, {"prompt": "x", "video": {"uri": "u"}}, {"durationSeconds": 4}, "Files API URI"),
    (VEO, {"prompt": "x", "foo": 1}, {}, 'Unknown name "foo"'),
    (VEO, {}, {}, "prompt or an image"),
    (VEO, {"prompt": "   "}, {}, "prompt or an image"),
    ("veo-3.0-generate-001", {"prompt": "x"}, {"resolution": "1080p", "aspectRatio": "9:16"}, "16:9"),
    ("veo-3.0-generate-001", {"prompt": "x"}, {"resolution": "4k"}, "resolution"),
    ("veo-3.0-generate-001", {"prompt": "x", "image": IMG, "lastFrame": IMG}, {}, "lastFrame"),
    ("veo-3.0-fast-generate-001", {"prompt": "x", "referenceImages": [{"image": IMG}]}, {}, "referenceImages"),
    ("veo-3.0-generate-001", {"prompt": "x"}, {"resolution": "1080p", "durationSeconds": 6}, "durationSeconds 8"),
    # Veo 3.1 Lite: no 4k, no reference images, no extension
    ("veo-3.1-lite-generate-preview", {"prompt": "x"}, {"resolution": "4k", "durationSeconds": 8}, "resolution"),
    ("veo-3.1-lite-generate-preview", {"prompt": "x", "referenceImages": [{"image": IMG}]},
     {"durationSeconds": 8}, "referenceImages"),
    ("veo-3.1-lite-generate-preview", {"prompt": "x", "video": {"uri": "u"}}, {"durationSeconds": 8}, "video"),
    ("veo-3.1-lite-generate-preview", {"prompt": "x"}, {"durationSeconds": 5}, "out of range"),
])
async def test_validation_errors_are_400(emulator, session, model, instance, params, fragment):
    async with session.post(submit_url(emulator, model), json={"instances": [instance], "parameters": params},
                            headers=KEY) as r:
        assert r.status == 400, await r.text()
        error = (await r.json())["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert fragment in error["message"]
    assert not emulator.state.operations  # nothing was submitted


@pytest.mark.parametrize("model,params", [
    (VEO, {"resolution": "1080p", "durationSeconds": 8}),
    (VEO, {"resolution": "4k", "durationSeconds": 8, "aspectRatio": "9:16"}),
    ("veo-3.0-generate-001", {"resolution": "1080p", "aspectRatio": "16:9", "durationSeconds": 8}),
    ("veo-3.1-lite-generate-preview", {"resolution": "1080p", "durationSeconds": 4, "negativePrompt": "blur"}),
    ("veo-3.1-lite-generate-preview", {"aspectRatio": "9:16", "durationSeconds": 6}),
])
async def test_valid_edge_parameters_are_accepted(emulator, session, model, params):
    await submit_veo(session, emulator, veo_body(**params), model)


async def test_unknown_retired_and_text_models_are_404_for_predict(emulator, session):
    for model in ("veo-9-imaginary", "gemini-3-flash-preview", "veo-3.1-generate-001"):
        async with session.post(submit_url(emulator, model), json=veo_body(), headers=KEY) as r:
            assert r.status == 404
            assert (await r.json())["error"]["message"].startswith(f"models/{model} is not found")
    async with session.post(submit_url(emulator, "veo-2.0-generate-001"), json=veo_body(), headers=KEY) as r:
        assert r.status == 404  # shut down: Google's "no longer available", naming the replacement
        assert (await r.json())["error"]["message"].startswith("This model models/veo-2.0-generate-001 is no longer")


async def test_unknown_operation_and_file_are_404(emulator, session):
    async with session.get(f"{emulator.base_url}/v1beta/models/{VEO}/operations/aaaaaaaaaaaa", headers=KEY) as r:
        assert r.status == 404 and (await r.json())["error"]["status"] == "NOT_FOUND"
    async with session.get(f"{emulator.base_url}/v1beta/files/nope:download?alt=media", headers=KEY) as r:
        assert r.status == 404


async def test_file_metadata(emulator, session):
    op = await poll_until_done(session, emulator, await submit_veo(session, emulator, veo_body(durationSeconds=4)))
    uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    async with session.get(uri.split(":download")[0], headers=KEY) as r:
        meta = await r.json()
    assert meta["mimeType"] == "video/mp4" and meta["state"] == "ACTIVE"
    assert int(meta["sizeBytes"]) == len(await download(session, uri))

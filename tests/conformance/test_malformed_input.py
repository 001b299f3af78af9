"""Malformed input is a 400 in OpenAI's (or, on Google's paths, Google's) shape, never a 500,
and it is refused before anything is sent upstream (Veo is paid per generated second)."""
from __future__ import annotations

import gzip

import pytest

from tests.support import AUTH, assert_openai_error
from tests.video.helpers import PNG_1PX, submits, video_request

CHAT = "/v1/chat/completions"
VEO_NATIVE = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
JSON = {**AUTH, "Content-Type": "application/json"}


async def _bad_request(resp) -> dict:
    text = await resp.text()
    assert resp.status == 400, (resp.status, text[:300])
    assert resp.content_type == "application/json", (resp.content_type, text[:300])
    return await resp.json()


@pytest.mark.parametrize("depth", [200, 100_000])
async def test_json_nested_deeper_than_the_limit_is_400(proxy, emulator, depth):
    body = '{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "metadata": ' \
           + "[" * depth + "]" * depth + "}"
    resp = await proxy.post(CHAT, data=body.encode(), headers=JSON)
    error = assert_openai_error(await _bad_request(resp), code="json_too_deep")
    assert "64" in error["message"]  # names the limit
    assert not emulator.state.requests


async def test_nesting_within_the_limit_is_accepted(proxy):
    body = '{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "stream_options": {"x": ' \
           + "[" * 30 + "]" * 30 + "}}"
    resp = await proxy.post(CHAT, data=body.encode(), headers=JSON)
    assert resp.status == 200, await resp.text()


@pytest.mark.parametrize("number", ["9" * 5000, "9" * 40, "-" + "1" * 100000])
async def test_integers_with_too_many_digits_are_400(proxy, emulator, number):
    body = '{"model": "veo-3.1-generate-preview", "messages": [{"role": "user", "content": "cat"}], ' \
           '"modalities": ["video", "text"], "video_config": {"seed": ' + number + '}}'
    resp = await proxy.post(CHAT, data=body.encode(), headers=JSON)
    assert_openai_error(await _bad_request(resp), code="number_too_long")
    assert not submits(emulator)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_json_number_constants_are_400(proxy, constant):
    body = '{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "temperature": ' \
           + constant + "}"
    resp = await proxy.post(CHAT, data=body.encode(), headers=JSON)
    assert_openai_error(await _bad_request(resp), code="invalid_json")


@pytest.mark.parametrize("path,body", [
    (CHAT, video_request("A cat \\ud800 playing")),
    (CHAT, {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi \\udfff"}]}),
    ("/v1/videos", {"prompt": "a lone \\udc00 surrogate", "model": "veo-3.1-generate-preview"}),
    ("/v1/images/generations", {"prompt": "a \\ud83d cat"}),
])
async def test_a_lone_surrogate_is_400_before_the_upstream_is_called(proxy, emulator, path, body):
    import json

    # json.dumps escapes "\\ud800" as "\\\\ud800": undo that so the wire holds the escape \ud800 itself.
    raw = json.dumps(body).replace("\\\\u", "\\u")
    resp = await proxy.post(path, data=raw.encode(), headers=JSON)
    error = assert_openai_error(await _bad_request(resp), code="invalid_unicode")
    assert "surrogate" in error["message"]
    assert not emulator.state.requests, "nothing may be sent upstream (or paid for)"


async def test_a_paired_surrogate_is_an_ordinary_character(proxy):
    raw = '{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "cat \\ud83d\\udc31"}]}'
    resp = await proxy.post(CHAT, data=raw.encode(), headers=JSON)
    assert resp.status == 200
    assert "\U0001f431" in (await resp.json())["choices"][0]["message"]["content"]


@pytest.mark.parametrize("instance,param", [
    ({"prompt": "cat", "referenceImages": "x"}, "instances[0].referenceImages"),
    ({"prompt": "cat", "referenceImages": ["x"]}, "instances[0].referenceImages[0]"),
    ({"prompt": "cat", "referenceImages": [{"image": 5}]}, "instances[0].referenceImages[0].image"),
    ({"prompt": "cat", "referenceImages": [{"image": {"inlineData": "x"}}]},
     "instances[0].referenceImages[0].image.inlineData"),
    ({"prompt": "cat", "referenceImages": [{"image": {"bytesBase64Encoded": "AA=="}, "referenceType": 3}]},
     "instances[0].referenceImages[0].referenceType"),
    ({"prompt": "cat", "image": {"inlineData": "x"}}, "instances[0].image.inlineData"),
    ({"prompt": "cat", "image": {"inlineData": {"data": 5, "mimeType": "image/png"}}}, "instances[0].image.inlineData.data"),
    ({"prompt": "cat", "image": {"inlineData": {"data": "AA==", "mimeType": ["image/png"]}}},
     "instances[0].image.inlineData.mimeType"),
    ({"prompt": "cat", "image": {"bytesBase64Encoded": "AA==", "mimeType": 7}}, "instances[0].image.mimeType"),
    ({"prompt": "cat", "image": {"gcsUri": 7}}, "instances[0].image.gcsUri"),
    ({"prompt": "cat", "lastFrame": [], "image": {"bytesBase64Encoded": "AA=="}}, "instances[0].lastFrame"),
    ({"prompt": "cat", "video": {"uri": 5}}, "instances[0].video.uri"),
    ({"prompt": {"text": "cat"}}, "instances[0].prompt"),
])
async def test_wrong_types_in_native_veo_bodies_are_400(proxy, emulator, instance, param):
    resp = await proxy.post(VEO_NATIVE, json={"instances": [instance], "parameters": {}}, headers=AUTH)
    body = await _bad_request(resp)
    # Google's shape on Google's paths: the field is named in a BadRequest field violation.
    assert body["error"]["status"] == "INVALID_ARGUMENT", body
    fields = [v["field"] for d in body["error"].get("details", []) for v in d.get("fieldViolations", [])]
    assert fields == [param], body
    assert not submits(emulator)


async def test_native_veo_body_with_a_good_inline_image_still_starts(proxy, emulator):
    data = PNG_1PX.split(",", 1)[1]
    resp = await proxy.post(VEO_NATIVE, headers=AUTH, json={
        "instances": [{"prompt": "cat", "image": {"inlineData": {"data": data, "mimeType": "image/png"}}}],
        "parameters": {"durationSeconds": 8}})
    assert resp.status == 200, await resp.text()
    assert len(submits(emulator)) == 1
    assert submits(emulator)[0].json["instances"][0]["image"]["mimeType"] == "image/png"


@pytest.mark.parametrize("encoding,data", [
    ("gzip", b'{"model": "gemini-2.5-flash"}'),          # says gzip, is plain
    ("deflate", b"\x00\x01garbage"),
    ("gzip", gzip.compress(b'{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}')[:-9]),
])
async def test_a_body_that_does_not_match_its_content_encoding_is_400(proxy, emulator, encoding, data):
    resp = await proxy.post(CHAT, data=data, headers={**JSON, "Content-Encoding": encoding})
    body = await _bad_request(resp)
    assert_openai_error(body, code="invalid_content_encoding")
    assert not emulator.state.requests


@pytest.mark.parametrize("encoding", ["zstd-ish", "br", "gzip, gzip"])
async def test_an_unknown_content_encoding_is_415(proxy, encoding):
    resp = await proxy.post(CHAT, data=b"{}", headers={**JSON, "Content-Encoding": encoding})
    assert resp.status == 415
    assert_openai_error(await resp.json(), code="unsupported_content_encoding")


async def test_a_gzip_body_that_is_gzip_works(proxy):
    data = gzip.compress(b'{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "zipped"}]}')
    resp = await proxy.post(CHAT, data=data, headers={**JSON, "Content-Encoding": "gzip"})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["choices"][0]["message"]["content"] == "Echo: zipped"


async def test_a_compressed_multipart_body_is_415(proxy, emulator):
    import aiohttp

    form = aiohttp.FormData({"prompt": "cat", "model": "veo-3.1-generate-preview"}, default_to_multipart=True)
    payload = form()

    raw = b"".join([chunk async for chunk in _chunks(payload)])
    resp = await proxy.post("/v1/videos", data=gzip.compress(raw),
                            headers={**AUTH, "Content-Type": payload.content_type, "Content-Encoding": "gzip"})
    assert resp.status == 415
    assert_openai_error(await resp.json(), code="unsupported_content_encoding")
    assert not submits(emulator)


async def _chunks(payload):
    class Sink:
        def __init__(self):
            self.parts = []

        async def write(self, data):
            self.parts.append(bytes(data))

    sink = Sink()
    await payload.write(sink)
    for part in sink.parts:
        yield part


@pytest.mark.parametrize("content_type,body", [
    ("multipart/form-data; boundary=xyz", b"garbage"),
    ("multipart/form-data", b"--x\r\n"),
    ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\ncat\r\n--xyz'),
])
async def test_bad_multipart_is_400(proxy, emulator, content_type, body):
    resp = await proxy.post("/v1/videos", data=body, headers={**AUTH, "Content-Type": content_type})
    assert_openai_error(await _bad_request(resp), code="invalid_multipart")
    assert not submits(emulator)


async def test_a_lone_surrogate_on_googles_paths_is_googles_400(proxy, emulator):
    raw = '{"instances": [{"prompt": "a cat \\ud800"}], "parameters": {"durationSeconds": 8}}'
    resp = await proxy.post(VEO_NATIVE, data=raw.encode(), headers=JSON)
    body = await _bad_request(resp)
    assert body["error"]["status"] == "INVALID_ARGUMENT" and "surrogate" in body["error"]["message"]
    assert not emulator.state.requests


async def test_a_body_of_millions_of_numbers_is_checked_quickly_off_the_loop(make_proxy):
    import asyncio
    import time

    proxy = await make_proxy(max_json_values=5_000_000)  # past the default cap: the numbers' own check
    numbers = ",".join(["7"] * 3_000_000)
    body = ('{"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "metadata": {"x": ['
            + numbers + ", " + "1" * 40 + "]}}").encode()
    started = time.perf_counter()
    sending = asyncio.ensure_future(proxy.post(CHAT, data=body, headers=JSON))
    slowest = 0.0
    while not sending.done():
        t = time.perf_counter()
        assert (await proxy.get("/healthz")).status == 200
        slowest = max(slowest, time.perf_counter() - t)
        await asyncio.sleep(0.01)
    resp = await sending
    error = assert_openai_error(await _bad_request(resp), code="number_too_long")
    assert error["param"] == "metadata.x[3000000]"
    assert time.perf_counter() - started < 5
    assert slowest < 1.0, f"/healthz waited {slowest:.2f} s while the body was checked"


def test_long_integers_within_the_limit_stay_exact():
    # orjson (the fast parser) would read 20+ digits as a float; such bodies go through Python's parser.
    from proxy.http.jsonbody import JsonLimits, loads
    number = 1234567890123456789012345
    assert loads(b'{"seed": %d, "n": [1, 2.5, "x"]}' % number, JsonLimits()) == {"seed": number, "n": [1, 2.5, "x"]}
    assert type(loads(b'{"seed": 12345678901234567890}', JsonLimits())["seed"]) is int

"""Veo through POST /v1/chat/completions, end to end: real app, real sockets, the emulator upstream."""
from __future__ import annotations

import pytest

from tests.support import AUTH, assert_openai_error
from tests.video.helpers import PNG_1PX, SEED, decode_video, mp4_duration, polls, submits, video_request

URL = "/v1/chat/completions"


async def test_seed_request_returns_a_playable_mp4_of_the_asked_duration(proxy, emulator):
    resp = await proxy.post(URL, json=SEED, headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    message = body["choices"][0]["message"]
    assert body["object"] == "chat.completion" and body["choices"][0]["finish_reason"] == "stop"
    video = decode_video(message["videos"][0])
    assert video[4:8] == b"ftyp"
    assert mp4_duration(video) == pytest.approx(8, abs=0.5)
    assert message["videos"][0]["type"] == "video_url" and message["videos"][0]["index"] == 0
    assert "veo-3.1-generate-preview" in message["content"]
    assert message["videos"][0]["operation"].startswith("models/veo-3.1-generate-preview/operations/")
    [submit] = submits(emulator)
    assert submit.json == {
        "instances": [{"prompt": "A cat playing with a ball"}],
        "parameters": {"aspectRatio": "16:9", "resolution": "720p", "durationSeconds": 8,
                       "negativePrompt": "cartoon, drawing, low quality"},
    }


@pytest.mark.parametrize("duration", [6, "6", 6.0])
async def test_duration_as_string_or_number_goes_upstream_as_a_number(proxy, emulator, duration):
    resp = await proxy.post(URL, json=video_request(duration_seconds=duration), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert submits(emulator)[0].json["parameters"]["durationSeconds"] == 6
    video = decode_video((await resp.json())["choices"][0]["message"]["videos"][0])
    assert mp4_duration(video) == pytest.approx(6, abs=0.5)


@pytest.mark.parametrize("model, config, param, allowed", [
    ("veo-3.1-generate-preview", {"resolution": "1080p", "duration_seconds": 4}, "video_config.resolution", "only at duration_seconds 8"),
    ("veo-3.1-generate-preview", {"resolution": "8k"}, "video_config.resolution", "720p, 1080p, 4k"),
    ("veo-3.1-generate-preview", {"aspect_ratio": "1:1"}, "video_config.aspect_ratio", "16:9, 9:16"),
    ("veo-3.1-generate-preview", {"duration_seconds": 5}, "video_config.duration_seconds", "4, 6, 8"),
    ("veo-3.1-generate-preview", {"duration_seconds": "eight"}, "video_config.duration_seconds", "whole number"),
    # Veo 3.0 is shut down (2026-06-30): its ids are served by Veo 3.1, whose limits apply
    ("veo-3.1-lite-generate-preview", {"resolution": "4k"}, "video_config.resolution", "720p, 1080p"),
    ("veo-3.0-generate-001", {"resolution": "4k", "duration_seconds": 4}, "video_config.resolution", "only at duration_seconds 8"),
    ("veo-3.0-fast-generate-001", {"last_frame": PNG_1PX}, "video_config.last_frame", "first frame"),
    ("veo-2.0-generate-001", {"duration_seconds": 5}, "video_config.duration_seconds", "4, 6, 8"),  # retired -> Veo 3.1
    ("veo-3.0-generate-001", {"resolution": "1080p", "duration_seconds": 6}, "video_config.resolution", "only at duration_seconds 8"),
    ("veo-3.1-lite-generate-preview", {"resolution": "4k", "duration_seconds": 8}, "video_config.resolution", "720p, 1080p"),
    ("veo-3.1-lite-generate-preview", {"reference_images": [PNG_1PX]}, "video_config.reference_images", "Veo 3.1 Fast"),
    ("veo-3.1-generate-preview", {"seed": 7}, "video_config.seed", "vertex/veo-3.1-generate-001"),
    ("veo-3.1-generate-preview", {"fps": 24}, "video_config.fps", "Vertex AI parameter"),
    ("veo-3.1-generate-preview", {"storage_uri": "gs://b/x"}, "video_config.storage_uri", "not supported"),
    ("veo-3.1-fast-generate-preview", {"number_of_videos": 2}, "video_config.number_of_videos", "1 to 1"),
    ("veo-3.1-generate-preview", {"generate_audio": True}, "video_config.generate_audio", "Vertex"),
    ("veo-3.1-generate-preview", {"colour": "red"}, "video_config.colour", "Unknown parameter"),
    ("veo-3.1-generate-preview", {"person_generation": "dont_allow"}, "video_config.person_generation", "allow_all"),
])
async def test_limits_are_checked_before_anything_is_sent_upstream(proxy, emulator, model, config, param, allowed):
    resp = await proxy.post(URL, json=video_request(model=model, **config), headers=AUTH)
    assert resp.status == 400, await resp.text()
    error = assert_openai_error(await resp.json(), param=param)
    assert allowed in error["message"]
    assert error["type"] == "invalid_request_error"
    assert submits(emulator) == []


async def test_4k_at_8_seconds_and_lite_1080p_at_4_seconds_are_accepted(proxy, emulator):
    resp = await proxy.post(URL, json=video_request(resolution="4k", duration_seconds=8), headers=AUTH)
    assert resp.status == 200, await resp.text()
    resp = await proxy.post(URL, json=video_request(model="veo-3.1-lite-generate-preview", resolution="1080p",
                                                    duration_seconds=4), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert submits(emulator)[-1].path == "/v1beta/models/veo-3.1-lite-generate-preview:predictLongRunning"


async def test_the_seeds_retired_video_id_is_served_by_its_replacement(proxy, emulator, caplog):
    caplog.set_level("WARNING", logger="genproxy.routes")
    for _ in range(2):
        resp = await proxy.post(URL, json=video_request(model="veo-2.0-generate-001", duration_seconds=8), headers=AUTH)
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["model"] == "veo-3.1-generate-preview"
    assert {s.path for s in submits(emulator)} == {"/v1beta/models/veo-3.1-generate-preview:predictLongRunning"}
    remapped = [r for r in caplog.records if "veo-2.0-generate-001" in r.getMessage()]
    assert len(remapped) == 1, "the remap is logged once per id"


async def test_image_inputs_become_veo_image_objects(proxy, emulator):
    body = video_request(last_frame={"url": PNG_1PX}, reference_images=None)
    body["messages"][0]["content"] = [{"type": "text", "text": "The cat jumps"},
                                      {"type": "image_url", "image_url": {"url": PNG_1PX}}]
    body["video_config"]["person_generation"] = "allow_adult"
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    instance = submits(emulator)[0].json["instances"][0]
    png_b64 = PNG_1PX.split(",", 1)[1]
    assert instance["prompt"] == "The cat jumps"
    assert instance["image"] == {"bytesBase64Encoded": png_b64, "mimeType": "image/png"}
    assert instance["lastFrame"] == {"bytesBase64Encoded": png_b64, "mimeType": "image/png"}
    assert "first frame" in (await resp.json())["choices"][0]["message"]["content"]


async def test_reference_images_up_to_three(proxy, emulator):
    ok = await proxy.post(URL, json=video_request(reference_images=[PNG_1PX] * 3), headers=AUTH)
    assert ok.status == 200, await ok.text()
    refs = submits(emulator)[0].json["instances"][0]["referenceImages"]
    assert len(refs) == 3 and all(r["referenceType"] == "ASSET" for r in refs)
    too_many = await proxy.post(URL, json=video_request(reference_images=[PNG_1PX] * 4), headers=AUTH)
    assert too_many.status == 400
    assert_openai_error(await too_many.json(), param="video_config.reference_images")
    bad = await proxy.post(URL, json=video_request(reference_images=["https://example.com/cat.png"]), headers=AUTH)
    assert bad.status == 400
    assert "data URI" in assert_openai_error(await bad.json(), param="video_config.reference_images[0]")["message"]
    assert len(submits(emulator)) == 1


async def test_extending_an_earlier_video_by_its_file_uri(proxy, emulator):
    first = await (await proxy.post(URL, json=SEED, headers=AUTH)).json()
    uri = first["choices"][0]["message"]["videos"][0]["file_uri"]
    body = video_request("The cat keeps playing")
    body["messages"][0]["content"] = [{"type": "text", "text": "The cat keeps playing"},
                                      {"type": "video_url", "video_url": {"url": uri}}]
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert submits(emulator)[-1].json["instances"][0]["video"] == {"uri": uri}
    too_sharp = await proxy.post(URL, json={**body, "video_config": {"resolution": "1080p", "duration_seconds": 8}},
                                 headers=AUTH)
    assert too_sharp.status == 400
    assert_openai_error(await too_sharp.json(), param="video_config.resolution")


async def test_route_defaults_fill_what_the_request_leaves_out(proxy, emulator):
    body = {"model": "veo-fast", "messages": [{"role": "user", "content": "A dog"}], "modalities": ["video", "text"]}
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    [submit] = submits(emulator)
    assert submit.path == "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning"
    assert submit.json["parameters"] == {"resolution": "720p", "durationSeconds": 8}


async def test_quota_on_the_only_key_is_a_429_with_retry_after(proxy, emulator):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:quota]"), headers=AUTH)
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    error = assert_openai_error(await resp.json(), code="rate_limit_exceeded")
    assert "RESOURCE_EXHAUSTED" in error["message"] or "quota" in error["message"].lower()


async def test_quota_on_one_key_fails_over_to_the_next(make_proxy, emulator):
    proxy = await make_proxy(gemini_api_keys=["upstream-key-aaaa", "upstream-key-bbbb"])
    resp = await proxy.post(URL, json=video_request("A cat [emulate:quota-once]"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    keys = [r.headers.get("x-goog-api-key") or r.headers.get("X-Goog-Api-Key") for r in submits(emulator)]
    assert len(keys) == 2 and keys[0] != keys[1]
    # The operation is polled with the key that created it.
    assert {r.headers.get("x-goog-api-key") or r.headers.get("X-Goog-Api-Key") for r in polls(emulator)} == {keys[1]}


async def test_operation_error_is_a_502_with_googles_message(proxy):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:operation-error]"), headers=AUTH)
    assert resp.status == 502
    error = assert_openai_error(await resp.json(), code="generation_failed")
    assert "INTERNAL" in error["message"] and "internal error" in error["message"]


async def test_safety_filter_is_a_400_content_filter_with_reasons(proxy):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:safety]"), headers=AUTH)
    assert resp.status == 400
    error = assert_openai_error(await resp.json(), code="content_filter")
    assert "safety" in error["message"].lower()


async def test_transient_poll_failures_are_retried(proxy, emulator):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:poll-error]"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert len(polls(emulator)) >= 3


async def test_polling_that_keeps_failing_is_a_502_naming_the_job(make_proxy):
    proxy = await make_proxy(poll_retries=2)
    resp = await proxy.post(URL, json=video_request("A cat [emulate:poll-error-always]"), headers=AUTH)
    assert resp.status == 502
    error = assert_openai_error(await resp.json(), code="poll_failed")
    assert "operations/" in error["message"]


async def test_deadline_is_a_504_naming_the_job(make_proxy):
    proxy = await make_proxy(video_deadline=0.5)
    resp = await proxy.post(URL, json=video_request("A cat [emulate:delay=30]"), headers=AUTH)
    assert resp.status == 504
    error = assert_openai_error(await resp.json(), code="generation_timeout")
    job_id = error["message"].split("Job id: ")[1].split(".")[0]
    assert job_id.startswith("video_")


async def test_a_download_cut_off_half_way_is_a_502_not_a_broken_video(proxy, emulator):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:cut-download]"), headers=AUTH)
    assert resp.status == 502
    assert_openai_error(await resp.json(), code="download_incomplete")


@pytest.mark.parametrize("fault, status", [("server-error", 502), ("unavailable", 502), ("malformed", 502)])
async def test_submit_failures_map_to_gateway_errors(proxy, fault, status):
    resp = await proxy.post(URL, json=video_request(f"A cat [emulate:{fault}]"), headers=AUTH)
    assert resp.status == status
    assert_openai_error(await resp.json())


async def test_streaming_sends_progress_keepalives_then_the_video(make_proxy, emulator):
    proxy = await make_proxy(keepalive_interval=0.1)
    resp = await proxy.post(URL, json={**video_request("A cat [emulate:delay=1]"), "stream": True}, headers=AUTH)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    assert resp.headers["x-request-id"]
    text = await resp.text()
    events = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    import json as _json
    chunks = [_json.loads(e) for e in events[:-1]]
    progress = [c["genproxy"] for c in chunks if "genproxy" in c]
    assert progress and progress[0]["status"] == "queued"
    assert all(p["job_id"].startswith("video_") for p in progress)
    assert any(p["status"] == "in_progress" for p in progress)
    assert ": keep-alive" in text
    final = chunks[-1]["choices"][0]
    assert final["finish_reason"] == "stop"
    assert decode_video(final["delta"]["videos"][0])[4:8] == b"ftyp"


async def test_streaming_error_after_submit_ends_with_an_error_event(proxy):
    resp = await proxy.post(URL, json={**video_request("A cat [emulate:operation-error]"), "stream": True},
                            headers=AUTH)
    assert resp.status == 200
    text = await resp.text()
    assert '"code":"generation_failed"' in text.replace(" ", "")
    assert text.rstrip().endswith("data: [DONE]")


async def test_stream_submit_errors_keep_their_status(proxy):
    resp = await proxy.post(URL, json={**video_request("A cat [emulate:quota]"), "stream": True}, headers=AUTH)
    assert resp.status == 429


async def test_video_model_without_video_modality_is_explained(proxy, emulator):
    body = {**video_request(), "modalities": ["text"]}
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="modalities")
    assert submits(emulator) == []


async def test_extending_an_earlier_video_by_its_job_id(proxy, emulator):
    first = await (await proxy.post(URL, json=SEED, headers=AUTH)).json()
    job_id = first["choices"][0]["message"]["videos"][0]["job_id"]
    uri = first["choices"][0]["message"]["videos"][0]["file_uri"]
    body = video_request("The cat keeps playing")
    body["messages"][0]["content"] = [{"type": "text", "text": "The cat keeps playing"},
                                      {"type": "video_url", "video_url": {"url": job_id}}]
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert submits(emulator)[-1].json["instances"][0]["video"] == {"uri": uri}
    unknown = await proxy.post(URL, json=video_request(video="video_" + "0" * 24), headers=AUTH)
    assert unknown.status == 404
    assert_openai_error(await unknown.json(), code="video_not_found", param="video_config.video")


async def test_slow_polls_still_deliver_the_video(proxy, emulator):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:slow-poll=0.2]"), headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert decode_video((await resp.json())["choices"][0]["message"]["videos"][0])[4:8] == b"ftyp"


async def test_polls_that_time_out_are_retried_then_reported_with_the_job(make_proxy, emulator):
    proxy = await make_proxy(upstream_timeout=0.3, poll_retries=1)
    resp = await proxy.post(URL, json=video_request("A cat [emulate:slow-poll=2]"), headers=AUTH)
    assert resp.status == 502
    error = assert_openai_error(await resp.json(), code="poll_failed")
    assert "did not answer in time" in error["message"] and "operations/" in error["message"]
    assert len(polls(emulator)) == 2


async def test_a_blocked_prompt_is_a_content_filter_error(proxy):
    resp = await proxy.post(URL, json=video_request("A cat [emulate:blocked]"), headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="content_filter")


async def test_a_video_answer_announces_its_length(proxy, emulator):
    """The answer with its base64 video has a Content-Length (a client can show progress), and it is exact."""
    resp = await proxy.post(URL, json=video_request(), headers=AUTH)
    assert resp.status == 200, await resp.text()
    raw = await resp.read()
    assert resp.headers.get("Content-Length") == str(len(raw))
    assert "Transfer-Encoding" not in resp.headers
    video = decode_video((await resp.json())["choices"][0]["message"]["videos"][0])
    assert video[4:8] == b"ftyp"

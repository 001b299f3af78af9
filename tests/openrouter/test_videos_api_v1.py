"""OpenRouter's video API over raw HTTP (bodies shaped as OpenRouter's docs and public scripts send them):
validation, statuses, per-key isolation, idempotency, durability, callbacks, and errors in OpenRouter's shape."""
from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest
from aiohttp import web

from proxy import keys
from proxy.jobs.webhooks import sign
from tests.support import AUTH, CLIENT_KEY
from tests.upstreams.conftest import token_file
from tests.video.helpers import PNG_1PX, submits

OTHER_KEY = "test-client-key-0002"
OTHER = {"Authorization": f"Bearer {OTHER_KEY}"}
OMNI = "gemini-omni-1.2-flash"


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY])


def interactions(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path.endswith("/v1beta/interactions")]


async def create(proxy, body: dict, headers: dict | None = None):
    resp = await proxy.post("/api/v1/videos", json=body, headers=headers or AUTH)
    return resp.status, await resp.json()


async def until_done(proxy, job_id: str, headers: dict | None = None) -> dict:
    for _ in range(200):
        resp = await proxy.get(f"/api/v1/videos/{job_id}", headers=headers or AUTH)
        body = await resp.json()
        if body["status"] not in ("pending", "in_progress"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{job_id} did not finish")


def openrouter_error(body: dict, status: int, param: str | None = None) -> dict:
    error = body["error"]
    assert error["code"] == status and error["message"], body
    if param is not None:
        assert error["metadata"]["param"] == param, body
    return error


# -- public request shapes

async def test_shape_curl_script_with_seed_and_audio_is_refused_on_the_gemini_api(proxy, emulator):
    """A submit as OpenRouter's video skill and public adapters send it. seed and generate_audio are Vertex AI
    parameters of Veo: with a Gemini API key they are refused before anything is paid for."""
    body = {"model": "google/veo-3.1", "prompt": "A golden retriever on a beach", "duration": 8,
            "resolution": "1080p", "aspect_ratio": "16:9", "generate_audio": True, "seed": 42}
    status, answer = await create(proxy, body)
    error = openrouter_error(answer, 400)
    assert error["metadata"]["param"] in ("seed", "generate_audio") and "Vertex AI" in error["message"]
    assert "video_config" not in error["message"]
    assert submits(emulator) == []


async def test_shape_curl_script_with_seed_and_audio_reaches_vertex(make_proxy, emulator, tmp_path):
    token_file(tmp_path / "auth", access_token="ya29.vertex-token", project_id="ccs-project")
    proxy = await make_proxy(gemini_api_keys=[], vertex_project=None)
    body = {"model": "google/veo-3.1", "prompt": "A golden retriever on a beach", "duration": 8,
            "resolution": "1080p", "aspect_ratio": "16:9", "generate_audio": True, "seed": 42}
    status, answer = await create(proxy, body)
    assert status == 202, answer
    assert (await until_done(proxy, answer["id"]))["status"] == "completed"
    [sent] = submits(emulator)
    assert sent.path.endswith("/models/veo-3.1-generate-001:predictLongRunning")
    assert sent.json["parameters"]["seed"] == 42 and sent.json["parameters"]["generateAudio"] is True
    listed = {m["id"]: m for m in (await (await proxy.get("/api/v1/videos/models", headers=AUTH)).json())["data"]}
    assert listed["google/veo-3.1"]["seed"] is True and listed["google/veo-3.1"]["generate_audio"] is True


async def test_shape_reference_images_and_size(proxy, emulator):
    """The reference-to-video cookbook: input_references, and size instead of resolution + aspect_ratio."""
    status, answer = await create(proxy, {
        "model": "google/veo-3.1", "prompt": "The character walks through a market", "size": "1280x720",
        "duration": 8, "input_references": [{"type": "image_url", "image_url": {"url": PNG_1PX}}]})
    assert status == 202, answer
    assert (await until_done(proxy, answer["id"]))["status"] == "completed"
    [sent] = submits(emulator)
    assert sent.json["parameters"]["aspectRatio"] == "16:9" and sent.json["parameters"]["resolution"] == "720p"
    assert [r["referenceType"] for r in sent.json["instances"][0]["referenceImages"]] == ["ASSET"]


# -- Omni

async def test_omni_references_and_an_edit_through_previous_job_id(proxy, emulator):
    status, answer = await create(proxy, {"model": OMNI, "prompt": "A kite over dunes", "duration": 6,
                                          "input_references": [{"type": "image_url", "image_url": {"url": PNG_1PX}}]})
    assert status == 202, answer
    assert (await until_done(proxy, answer["id"]))["status"] == "completed"
    status, edit = await create(proxy, {"model": OMNI, "prompt": "now at night", "previous_job_id": answer["id"]})
    assert status == 202, edit
    assert (await until_done(proxy, edit["id"]))["status"] == "completed"
    first, second = interactions(emulator)
    assert [part["type"] for part in first.json["input"]] == ["text", "image"]
    assert second.json["previous_interaction_id"] and second.json["input"] == [{"type": "text", "text": "now at night"}]
    # the same job, seen through genproxy's own Videos API
    own = await (await proxy.get(f"/v1/videos/{edit['id']}", headers=AUTH)).json()
    assert own["status"] == "completed" and own["remixed_from_video_id"] == answer["id"]


async def test_previous_job_id_must_name_the_same_model(proxy, emulator):
    status, answer = await create(proxy, {"model": OMNI, "prompt": "A kite"})
    await until_done(proxy, answer["id"])
    status, error = await create(proxy, {"model": "google/veo-3.1", "prompt": "more", "previous_job_id": answer["id"]})
    assert status == 400 and openrouter_error(error, 400, "model")


# -- validation

@pytest.mark.parametrize(("body", "param"), [
    ({"model": "google/veo-3.1", "prompt": "x", "duration": 5}, "duration"),
    ({"model": "google/veo-3.1", "prompt": "x", "resolution": "8k"}, "resolution"),
    ({"model": "google/veo-3.1", "prompt": "x", "aspect_ratio": "1:1"}, "aspect_ratio"),
    ({"model": "google/veo-3.1", "prompt": "x", "size": "1000x1000"}, "size"),
    ({"model": "google/veo-3.1", "prompt": "x", "size": "1280x720", "resolution": "1080p"}, "resolution"),
    ({"model": "google/veo-3.1", "prompt": "x", "frame_images": [
        {"type": "image_url", "image_url": {"url": PNG_1PX}, "frame_type": "middle_frame"}]}, "frame_images[0].frame_type"),
    ({"model": "google/veo-3.1", "prompt": "x", "frame_images": [
        {"type": "image_url", "image_url": {"url": PNG_1PX}, "frame_type": "last_frame"}]}, "frame_images"),
    # Veo 3.1 Lite takes no reference images (Veo 3.0, which took none either, is shut down)
    ({"model": "veo-3.1-lite-generate-preview", "prompt": "x", "input_references": [
        {"type": "image_url", "image_url": {"url": PNG_1PX}}]}, "input_references"),
    ({"model": "google/veo-3.1", "prompt": "x", "input_references": [
        {"type": "audio_url", "audio_url": {"url": "https://example.test/a.mp3"}}]}, "input_references[0].type"),
    ({"model": "google/veo-3.1", "prompt": "x", "frame_images": [
        {"type": "image_url", "image_url": {"url": "https://example.test/cat.png"}, "frame_type": "first_frame"}]},
     "frame_images"),
    ({"model": "google/veo-3.1", "prompt": "x", "creativity": 3}, "creativity"),
    ({"model": "google/veo-3.1", "prompt": "x", "callback_url": "http://example.test/hook"}, "callback_url"),
    ({"model": "google/veo-3.1", "prompt": "x", "colour": "blue"}, "colour"),
    ({"model": "google/veo-3.1"}, "prompt"),
    ({"prompt": "x"}, "model"),
    ({"model": "google/gemini-3-flash-preview", "prompt": "x"}, "model"),
])
async def test_invalid_requests_are_openrouter_shaped_400s(proxy, emulator, body, param):
    status, answer = await create(proxy, body)
    assert status == 400, answer
    openrouter_error(answer, 400, param)
    assert submits(emulator) == [] and interactions(emulator) == []


async def test_openrouter_only_fields_are_accepted_and_ignored(proxy, emulator):
    status, answer = await create(proxy, {"model": "google/veo-3.1-fast", "prompt": "x", "duration": 4,
                                          "provider": {"options": {"google-vertex": {"x": 1}}},
                                          "session_id": "s-1", "trace": {"trace_id": "t"}, "user": "u-1"})
    assert status == 202, answer
    [sent] = submits(emulator)
    assert "provider" not in str(sent.json) and sent.json["parameters"]["durationSeconds"] == 4


# -- statuses, isolation, idempotency, durability

async def test_another_keys_job_is_a_404(proxy):
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "mine"})
    await until_done(proxy, answer["id"])
    for path in (f"/api/v1/videos/{answer['id']}", f"/api/v1/videos/{answer['id']}/content"):
        resp = await proxy.get(path, headers=OTHER)
        openrouter_error(await resp.json(), 404)
    status, error = await create(proxy, {"model": "google/veo-3.1", "prompt": "more", "previous_job_id": answer["id"]},
                                 headers=OTHER)
    assert status == 404 and openrouter_error(error, 404, "previous_job_id")


async def test_idempotency_key_pays_once(proxy, emulator):
    body = {"model": "google/veo-3.1", "prompt": "once"}
    headers = {**AUTH, "Idempotency-Key": "or-1"}
    first, second = await asyncio.gather(create(proxy, body, headers), create(proxy, body, headers))
    assert first[1]["id"] == second[1]["id"] and len(submits(emulator)) == 1
    status, error = await create(proxy, {**body, "prompt": "twice"}, headers)
    assert status == 422 and openrouter_error(error, 422, "Idempotency-Key")


@pytest.mark.parametrize("emulator_operation_delay", [30])
async def test_cancelled_and_running_statuses(proxy):
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "slow"})
    assert answer["status"] == "pending"
    resp = await proxy.get(f"/api/v1/videos/{answer['id']}/content", headers=AUTH)
    assert resp.status == 409 and (await resp.json())["error"]["code"] == 409
    runner, store = proxy.app[keys.JOB_RUNNER], proxy.app[keys.JOB_STORE]
    await runner.cancel(await store.get(answer["id"]))
    job = await (await proxy.get(f"/api/v1/videos/{answer['id']}", headers=AUTH)).json()
    assert job["status"] == "cancelled" and "cancelled" in job["error"]


async def test_expired_status_and_content(proxy):
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "brief"})
    done = await until_done(proxy, answer["id"])
    assert done["status"] == "completed" and done["expires_at"] > time.time()
    resp = await proxy.get(f"/api/v1/videos/{answer['id']}/content?index=1", headers=AUTH)
    assert resp.status == 404 and (await resp.json())["error"]["metadata"]["param"] == "index"
    resp = await proxy.get(f"/api/v1/videos/{answer['id']}/content?index=first", headers=AUTH)
    assert resp.status == 400
    store = proxy.app[keys.JOB_STORE]
    await store.update(await store.get(answer["id"]), expires_at=time.time() - 1)
    job = await (await proxy.get(f"/api/v1/videos/{answer['id']}", headers=AUTH)).json()
    assert job["status"] == "expired" and "unsigned_urls" not in job
    resp = await proxy.get(f"/api/v1/videos/{answer['id']}/content", headers=AUTH)
    assert resp.status == 404


async def test_usage_cost_when_a_ledger_recorded_it(proxy):
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "priced"})
    done = await until_done(proxy, answer["id"])
    assert "usage" not in done  # nothing knows the cost
    store = proxy.app[keys.JOB_STORE]
    job = await store.get(answer["id"])
    await store.update(job, summary={**job.summary, "cost": 3.2})
    job = await (await proxy.get(f"/api/v1/videos/{answer['id']}", headers=AUTH)).json()
    assert job["usage"] == {"cost": 3.2, "is_byok": True}


async def test_a_job_survives_a_restart(make_proxy, emulator):
    first = await make_proxy(api_keys=[CLIENT_KEY])
    status, answer = await create(first, {"model": "google/veo-3.1", "prompt": "kept"})
    await until_done(first, answer["id"])
    await first.close()
    second = await make_proxy(api_keys=[CLIENT_KEY])
    job = await until_done(second, answer["id"])
    assert job["status"] == "completed"
    resp = await second.get(f"/api/v1/videos/{answer['id']}/content", headers=AUTH)
    assert resp.status == 200 and resp.headers["Content-Type"] == "video/mp4"


async def test_callback_url_receives_openrouters_envelope_durably_and_signed(make_proxy, aiohttp_server):
    """A callback_url delivery rides genproxy's webhook queue: stored with the job, retried when the receiver
    fails, signed (Standard Webhooks) when webhook_secret is set, in OpenRouter's envelope."""
    received: list[tuple[dict, dict]] = []
    arrived = asyncio.Event()
    answers = [500]  # the receiver fails once: the delivery must come again

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        if answers:
            return web.Response(status=answers.pop())
        arrived.set()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()
    proxy = await make_proxy(api_keys=[CLIENT_KEY], allow_private_callback_urls=True, webhook_secret=secret,
                             webhook_retry_delays=[0.2], webhook_poll_interval=0.1)
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "tell me",
                                          "callback_url": str(server.make_url("/hook"))})
    assert status == 202, answer
    await asyncio.wait_for(arrived.wait(), 15)
    assert len(received) == 2  # the failed try, then the retry
    headers, event = received[-1]
    assert event["type"] == "video.generation.completed" and event["created_at"]
    assert event["data"]["id"] == answer["id"] and event["data"]["status"] == "completed"
    assert event["data"]["unsigned_urls"][0].startswith(str(proxy.make_url("/api/v1/videos/")))
    body = json.dumps(event, separators=(",", ":")).encode()
    timestamp = int(headers["webhook-timestamp"])
    assert headers["webhook-signature"] == sign(secret, headers["webhook-id"], timestamp, body)


async def test_callback_url_without_a_secret_is_sent_unsigned_and_private_hosts_need_the_setting(
        make_proxy, aiohttp_server):
    received: list[dict] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append(dict(request.headers))
        arrived.set()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    url = str(server.make_url("/hook"))
    closed = await make_proxy(api_keys=[CLIENT_KEY])
    status, answer = await create(closed, {"model": "google/veo-3.1", "prompt": "tell me", "callback_url": url})
    assert status == 400 and answer["error"]["message"] and "allow_private_callback_urls" in answer["error"]["message"]

    proxy = await make_proxy(api_keys=[CLIENT_KEY], allow_private_callback_urls=True, webhook_poll_interval=0.1)
    status, answer = await create(proxy, {"model": "google/veo-3.1", "prompt": "tell me", "callback_url": url})
    assert status == 202, answer
    await asyncio.wait_for(arrived.wait(), 15)
    assert "webhook-signature" not in {k.lower() for k in received[0]}

"""Webhooks end to end: a receiver on a real socket verifies the Standard Webhooks signature itself."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from aiohttp import web

from proxy import keys
from tests.jobs.test_videos_api import wait_done
from tests.support import AUTH, CLIENT_KEY, assert_openai_error, chat
from tests.video.helpers import submits

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
FAST_RETRIES = dict(webhook_secret=SECRET, allow_private_callback_urls=True, webhook_retry_delays=[0.2],
                    webhook_poll_interval=0.05)


def verify(headers, body: bytes) -> None:
    """Standard Webhooks, computed here from the spec rather than with genproxy's code."""
    key = base64.b64decode(SECRET.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    versions = dict(part.split(",", 1) for part in headers["webhook-signature"].split(" "))
    assert hmac.compare_digest(versions["v1"], expected), "signature does not verify"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300


class Receiver:
    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received: list[tuple[dict, dict]] = []
        self.attempts = 0
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify(request.headers, body)
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=503)
        self.received.append((dict(request.headers), json.loads(body)))
        self.arrived.set()
        return web.Response(status=204)

    async def wait(self, count: int = 1, timeout: float = 15) -> None:
        end = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < end, f"got {len(self.received)} deliveries, wanted {count}"
            await asyncio.sleep(0.05)


@pytest.fixture
def receiver_factory(aiohttp_server):
    async def make(failures: int = 0):
        receiver = Receiver(failures)
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        server = await aiohttp_server(app)
        return receiver, str(server.make_url("/hook"))

    return make


async def test_a_completed_video_is_posted_signed_and_redelivered_after_a_failure(make_proxy, emulator,
                                                                                  receiver_factory):
    receiver, url = await receiver_factory(failures=1)
    proxy = await make_proxy(**FAST_RETRIES)
    resp = await proxy.post("/v1/videos", json={"model": "veo-3.1-generate-preview", "prompt": "A cat", "seconds": "4",
                                                  "callback_url": url}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    video_id = (await resp.json())["id"]
    await receiver.wait()
    headers, body = receiver.received[0]
    assert receiver.attempts == 2  # the 503 was retried
    assert body["type"] == "video.completed" and body["data"]["id"] == video_id
    assert body["data"]["status"] == "completed" and body["data"]["object"] == "video"
    assert headers["webhook-id"].startswith("msg_")
    await asyncio.sleep(0.5)
    assert len(receiver.received) == 1, "delivered once"
    assert "callback_url" not in json.dumps(submits(emulator)[0].json), "Google never sees the callback"


async def test_chat_video_config_callback_url_and_video_failed(make_proxy, emulator, receiver_factory):
    receiver, url = await receiver_factory()
    proxy = await make_proxy(**FAST_RETRIES)
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        **chat("veo-3.1-generate-preview", "A storm [emulate:operation-error]"), "modalities": ["video"],
        "video_config": {"callback_url": url}})
    assert resp.status >= 400
    await receiver.wait()
    body = receiver.received[0][1]
    assert body["type"] == "video.failed" and body["data"]["status"] == "failed" and body["data"]["error"]["message"]


async def test_omni_accepts_a_callback_url(make_proxy, emulator, receiver_factory):
    receiver, url = await receiver_factory()
    proxy = await make_proxy(**FAST_RETRIES)
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        **chat("gemini-omni-1.2-flash", "A kite"), "modalities": ["video"], "video_config": {"callback_url": url}})
    assert resp.status == 200, await resp.text()
    await receiver.wait()
    assert receiver.received[0][1]["type"] == "video.completed"
    sent = [r for r in emulator.state.requests if "interactions" in r.path and r.method == "POST"]
    assert sent and "callback_url" not in json.dumps(sent[0].json)


async def test_a_keys_default_callback_url(make_proxy, emulator, receiver_factory):
    receiver, url = await receiver_factory()
    proxy = await make_proxy(api_keys=[{"key": CLIENT_KEY, "name": "hooks", "callback_url": url}], **FAST_RETRIES)
    resp = await proxy.post("/v1/videos", json={"prompt": "A cat", "seconds": "4"}, headers=AUTH)
    await receiver.wait()
    assert receiver.received[0][1]["data"]["id"] == (await resp.json())["id"]


async def test_private_callback_urls_are_refused_unless_allowed(make_proxy, emulator):
    proxy = await make_proxy(webhook_secret=SECRET)
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://169.254.169.254/latest", "ftp://x/y"):
        resp = await proxy.post("/v1/videos", json={"prompt": "A cat", "callback_url": url}, headers=AUTH)
        assert resp.status == 400, url
        assert_openai_error(await resp.json(), param="callback_url")
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        **chat("veo-3.1-generate-preview", "A cat"), "modalities": ["video"],
        "video_config": {"callback_url": "http://[::1]/hook"}})
    assert resp.status == 400
    assert_openai_error(await resp.json(), "url_not_allowed", "video_config.callback_url")
    assert submits(emulator) == []


async def test_a_callback_without_a_webhook_secret_is_refused(make_proxy, emulator):
    proxy = await make_proxy(allow_private_callback_urls=True)
    resp = await proxy.post("/v1/videos", json={"prompt": "A cat", "callback_url": "http://127.0.0.1:9/h"},
                            headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), "webhooks_not_configured")
    assert submits(emulator) == []


async def test_deliveries_survive_a_restart_and_go_out_once_across_instances(make_proxy, emulator, jobs_db,
                                                                             receiver_factory, unused_tcp_port):
    dead_url = f"http://127.0.0.1:{unused_tcp_port}/hook"  # nobody listens yet
    first = await make_proxy(jobs_db=jobs_db, **FAST_RETRIES)
    resp = await first.post("/v1/videos", json={"prompt": "A cat", "seconds": "4", "callback_url": dead_url},
                            headers=AUTH)
    video_id = (await resp.json())["id"]
    await wait_done(first, video_id)
    await asyncio.sleep(0.3)  # a few refused attempts
    await first.close()

    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    try:
        # Two instances on the same store: the delivery goes out once.
        await make_proxy(jobs_db=jobs_db, **FAST_RETRIES)
        await make_proxy(jobs_db=jobs_db, **FAST_RETRIES)
        await receiver.wait()
        await asyncio.sleep(0.6)
        assert len(receiver.received) == 1 and receiver.received[0][1]["data"]["id"] == video_id
    finally:
        await runner.cleanup()


async def test_retries_stop_after_webhook_max_age(make_proxy, emulator, receiver_factory):
    receiver, url = await receiver_factory(failures=1000)
    proxy = await make_proxy(**{**FAST_RETRIES, "webhook_max_age": 0.5})
    resp = await proxy.post("/v1/videos", json={"prompt": "A cat", "seconds": "4", "callback_url": url}, headers=AUTH)
    video_id = (await resp.json())["id"]
    store = proxy.app[keys.JOB_STORE]
    for _ in range(100):
        hooks = await store.webhooks_of(video_id)
        if hooks and hooks[0]["state"] == "failed":
            break
        await asyncio.sleep(0.05)
    assert hooks[0]["state"] == "failed" and hooks[0]["last_error"] == "HTTP 503"
    attempts = receiver.attempts
    assert attempts >= 2
    await asyncio.sleep(0.4)
    assert receiver.attempts == attempts, "no attempt after giving up"


async def test_a_job_that_finished_without_its_webhook_gets_one_at_the_next_start(make_proxy, emulator, jobs_db,
                                                                                 receiver_factory):
    receiver, url = await receiver_factory()
    first = await make_proxy(jobs_db=jobs_db, **FAST_RETRIES)
    first.app[keys.JOB_RUNNER].webhooks = None  # as if the instance died between finishing and queueing
    resp = await first.post("/v1/videos", json={"prompt": "A cat", "seconds": "4", "callback_url": url}, headers=AUTH)
    video_id = (await resp.json())["id"]
    await wait_done(first, video_id)
    await first.close()
    assert receiver.received == []
    await make_proxy(jobs_db=jobs_db, **FAST_RETRIES)
    await receiver.wait()
    assert receiver.received[0][1]["data"]["id"] == video_id and len(receiver.received) == 1

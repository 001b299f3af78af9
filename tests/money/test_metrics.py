"""GET /metrics: parses with prometheus_client's own parser; right with --workers 2; metrics_token."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import AUTH, CLIENT_KEY, chat, serve_two_workers

ADMIN_KEY = "metrics-admin-key-0003"


def samples(text: str) -> dict:
    """(name, frozenset(labels)) -> value, through prometheus_client's parser (it raises on bad text)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def total(found: dict, name: str, **labels) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and want <= set(ls))


async def test_metrics_count_requests_upstream_calls_jobs_and_cost(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[{"key": CLIENT_KEY, "name": "team-a"}], admin_keys=[ADMIN_KEY])
    assert (await proxy.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=AUTH)).status == 200
    bad = await proxy.post("/v1/chat/completions", json=chat("no-such-model-xyz", "hi"), headers=AUTH)
    assert bad.status == 404
    video = await (await proxy.post("/v1/videos", json={"model": "veo-3.1-generate-preview", "prompt": "A cat", "seconds": "4"}, headers=AUTH)).json()
    for _ in range(100):
        if (await (await proxy.get(f"/v1/videos/{video['id']}", headers=AUTH)).json())["status"] == "completed":
            break
        await asyncio.sleep(0.05)
    # Key names and their spend: not for anyone who can reach the port, nor for an ordinary key (issue 25.9).
    assert (await proxy.get("/metrics")).status == 401
    assert (await proxy.get("/metrics", headers=AUTH)).status == 401
    resp = await proxy.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    found = samples(text)
    assert total(found, "genproxy_requests_total", route="gemini-3.5-flash", model="gemini-3.5-flash",
                 status="200") == 1
    assert total(found, "genproxy_requests_total", model="-", status="404") == 1
    assert "no-such-model-xyz" not in text and CLIENT_KEY not in text
    assert total(found, "genproxy_request_duration_seconds_count", route="gemini-3.5-flash") == 1
    assert total(found, "genproxy_upstream_requests_total", backend="gemini", status="200") >= 3
    assert total(found, "genproxy_jobs", state="completed") == 1
    assert total(found, "genproxy_video_seconds_total", key="team-a") == 4
    assert total(found, "genproxy_cost_usd_total", key="team-a", model="veo-3.1-generate-preview") == \
        pytest.approx(1.6)
    assert total(found, "genproxy_credentials", backend="gemini") == 1
    assert ("genproxy_credentials_cooling_down", frozenset({("backend", "gemini")})) in found


async def test_an_open_local_proxy_answers_metrics_to_anyone(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[])  # no client keys: its /v1 paths are open too
    assert (await proxy.get("/metrics")).status == 200


async def test_a_metrics_token_protects_the_endpoint(make_proxy, emulator):
    proxy = await make_proxy(metrics_token="scrape-secret-123")
    assert (await proxy.get("/metrics")).status == 401
    assert (await proxy.get("/metrics", headers=AUTH)).status == 401
    resp = await proxy.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert resp.status == 200 and samples(await resp.text())


@pytest.mark.slow
async def test_metrics_sum_every_worker_under_workers_2(tmp_path, emulator):
    proc, line, match = await serve_two_workers(tmp_path, emulator.base_url, asyncio.subprocess.DEVNULL,
                                                discovery_at_startup=False, metrics_token="scrape-secret-123")
    try:
        assert match, line
        base = match[1]
        for _ in range(20):  # a new connection each: the kernel spreads them over both workers
            async with aiohttp.ClientSession(headers=AUTH) as http, \
                    http.post(f"{base}/v1/chat/completions", json=chat("gemini-3.5-flash", "hi")) as resp:
                assert resp.status == 200
        for _ in range(4):  # whichever worker answers the scrape counts all 20
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer scrape-secret-123"}) as http, \
                    http.get(f"{base}/metrics") as resp:
                text = await resp.text()
            found = samples(text)
            assert total(found, "genproxy_requests_total", route="gemini-3.5-flash", status="200") == 20, text
            assert total(found, "genproxy_upstream_requests_total", backend="gemini") == 20, text
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 150)
    assert not any((tmp_path / "data").glob("metrics-*")), "the supervisor removes its metrics folder"

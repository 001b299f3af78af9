"""Keys with identities, budgets and the ledger, end to end through the emulator (real sockets)."""
from __future__ import annotations

import asyncio
import logging

import pytest

from tests.jobs.test_videos_api import wait_done
from tests.support import AUTH, CLIENT_KEY, assert_openai_error, chat
from tests.video.helpers import submits

ALICE_KEY, BOB_KEY, ADMIN_KEY = "alice-key-000000001", "bob-key-0000000002", "admin-key-000000003"
ALICE = {"Authorization": f"Bearer {ALICE_KEY}"}
BOB = {"Authorization": f"Bearer {BOB_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
VEO = "veo-3.1-generate-preview"  # $0.40 a second at 720p with audio (proxy/money/price_table.py)


def generate_calls(emulator) -> list:
    return [r for r in emulator.state.requests if ":generateContent" in r.path or ":predictLongRunning" in r.path]


@pytest.fixture
async def team(make_proxy):
    return await make_proxy(api_keys=[
        {"key": ALICE_KEY, "name": "alice", "budget_usd": 4.0, "budget_period": "month"},
        {"key": BOB_KEY, "name": "bob", "models": ["gemini-3.5-*"], "max_jobs": 1},
        CLIENT_KEY,
    ], admin_keys=[{"key": ADMIN_KEY, "name": "ops"}])


async def usage(proxy, headers, **query) -> dict:
    resp = await proxy.get("/v1/usage", params=query, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_key_over_budget_is_refused_before_anything_is_sent(team, emulator):
    first = await team.post("/v1/videos", json={"prompt": "A cat", "seconds": "8", "model": VEO}, headers=ALICE)
    assert first.status == 200, await first.text()
    sent = len(submits(emulator))
    # 8 s reserved at $0.40 = $3.20 of $4.00: another 8 s video ($3.20) would pass the budget.
    resp = await team.post("/v1/videos", json={"prompt": "A dog", "seconds": "8", "model": VEO}, headers=ALICE)
    assert resp.status == 429
    error = assert_openai_error(await resp.json(), "budget_exceeded")
    assert "$3.20" in error["message"] and "$4.00" in error["message"] and "month" in error["message"]
    assert "alice" in error["message"] and ALICE_KEY not in error["message"]
    assert len(submits(emulator)) == sent
    # The same refusal in chat, for a text model too expensive for what is left? No: text is cheap; a 4 s video
    # ($1.60) is over what is left ($0.80) as well.
    resp = await team.post("/v1/chat/completions", headers=ALICE, json={
        **chat(VEO, "A bird"), "modalities": ["video"], "video_config": {"duration_seconds": 4}})
    assert resp.status == 429 and (await resp.json())["error"]["code"] == "budget_exceeded"
    assert len(submits(emulator)) == sent
    done = await wait_done(team, (await first.json())["id"], headers=ALICE)
    assert done["status"] == "completed"
    body = await usage(team, ALICE)
    assert body["budget"] == {"limit_usd": 4.0, "period": "month", "spent_usd": pytest.approx(3.2),
                              "remaining_usd": pytest.approx(0.8)}


async def test_the_usage_endpoint_has_the_console_shape(team, emulator):
    resp = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "Say hi"), headers=ALICE)
    assert resp.status == 200, await resp.text()
    reported = (await resp.json())["usage"]
    video = await team.post("/v1/videos", json={"prompt": "A cat", "seconds": "4", "model": VEO}, headers=ALICE)
    await wait_done(team, (await video.json())["id"], headers=ALICE)

    body = await usage(team, ALICE, group_by="model")
    assert set(body) == {"object", "start", "end", "group_by", "currency", "data", "budget"}
    assert body["object"] == "usage" and body["group_by"] == "model" and body["currency"] == "usd"
    rows = {row["model"]: row for row in body["data"]}
    assert set(rows) == {"gemini-3.5-flash", VEO}
    text = rows["gemini-3.5-flash"]
    assert set(text) == {"model", "requests", "cost_usd", "video_seconds", "images", "input_tokens",
                         "output_tokens", "video_tokens"}
    assert text["requests"] == 1 and text["input_tokens"] == reported["prompt_tokens"]
    assert text["output_tokens"] == reported["completion_tokens"]
    # gemini-3.5-flash: $1.50 in / $9.00 out per million tokens.
    assert text["cost_usd"] == pytest.approx((reported["prompt_tokens"] * 1.5 + reported["completion_tokens"] * 9)
                                             / 1e6, abs=1e-6)
    assert rows[VEO]["video_seconds"] == 4 and rows[VEO]["cost_usd"] == pytest.approx(1.6)
    by_day = await usage(team, ALICE, group_by="key,day")
    assert [set(r) >= {"key", "day"} for r in by_day["data"]] == [True]
    assert by_day["data"][0]["key"] == "alice" and by_day["data"][0]["requests"] == 2


async def test_only_an_admin_key_sees_every_key(team, emulator):
    for headers in (ALICE, BOB):
        resp = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=headers)
        assert resp.status == 200, await resp.text()
    mine = await usage(team, BOB)
    assert [row["key"] for row in mine["data"]] == ["bob"]
    assert mine["budget"]["limit_usd"] is None and mine["budget"]["remaining_usd"] is None
    refused = await team.get("/v1/usage", params={"key": "alice"}, headers=BOB)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "not_admin"
    everyone = await usage(team, ADMIN)
    assert sorted(row["key"] for row in everyone["data"]) == ["alice", "bob"]
    only_alice = await usage(team, ADMIN, key="alice")
    assert [row["key"] for row in only_alice["data"]] == ["alice"]
    bad = await team.get("/v1/usage", params={"group_by": "colour"}, headers=ADMIN)
    assert_openai_error(await bad.json(), param="group_by")


async def test_model_globs_and_the_keys_own_job_cap(team, emulator):
    resp = await team.post("/v1/chat/completions", json=chat("gemini-3.8-flash", "hi"), headers=BOB)
    assert resp.status == 403
    assert_openai_error(await resp.json(), "model_not_allowed", "model")
    resp = await team.post("/v1/videos", json={"prompt": "A cat", "model": VEO}, headers=BOB)
    assert resp.status == 403 and generate_calls(emulator) == []
    resp = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=BOB)
    assert resp.status == 200


async def test_max_jobs_of_a_key_overrides_max_jobs_per_key(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[{"key": BOB_KEY, "name": "bob", "max_jobs": 1}], max_jobs_per_key=5)
    first = await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:delay=2]"}, headers=BOB)
    assert first.status == 200
    second = await proxy.post("/v1/videos", json={"prompt": "A dog"}, headers=BOB)
    assert second.status == 429 and (await second.json())["error"]["code"] == "too_many_jobs"


async def test_a_failed_video_is_released_and_costs_nothing(team, emulator):
    resp = await team.post("/v1/videos", json={"prompt": "A cat [emulate:operation-error]", "model": VEO},
                           headers=ALICE)
    assert resp.status == 200
    done = await wait_done(team, (await resp.json())["id"], headers=ALICE)
    assert done["status"] == "failed"
    body = await usage(team, ALICE)
    assert body["data"] == [] and body["budget"]["spent_usd"] == 0
    refused = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "[emulate:server-error]"),
                              headers=ALICE)
    assert refused.status >= 500
    assert (await usage(team, ALICE))["data"] == []


async def test_responses_and_logs_name_the_key_never_the_key_itself(team, emulator, caplog):
    caplog.set_level(logging.INFO, logger="genproxy.access")
    resp = await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=ALICE)
    assert resp.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "genproxy.access"]
    assert any("key=alice" in line for line in lines)
    assert not any(ALICE_KEY in line for line in lines)


async def test_an_open_local_proxy_treats_its_caller_as_admin(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[])
    resp = await proxy.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"))
    assert resp.status == 200
    body = await usage(proxy, {})
    assert [row["key"] for row in body["data"]] == ["local"] and body["budget"]["limit_usd"] is None


async def test_the_ledger_is_right_after_a_restart(make_proxy, emulator, jobs_db):
    first = await make_proxy(api_keys=[{"key": ALICE_KEY, "name": "alice", "budget_usd": 10}], jobs_db=jobs_db)
    resp = await first.post("/v1/videos", json={"prompt": "A cat [emulate:delay=1]", "seconds": "6", "model": VEO},
                            headers=ALICE)
    video_id = (await resp.json())["id"]
    await first.close()  # the job is still running: it is resumed and settled by the next instance
    second = await make_proxy(api_keys=[{"key": ALICE_KEY, "name": "alice", "budget_usd": 10}], jobs_db=jobs_db)
    assert (await wait_done(second, video_id, headers=ALICE))["status"] == "completed"
    for _ in range(50):
        body = await usage(second, ALICE)
        if body["data"] and body["data"][0]["video_seconds"]:
            break
        await asyncio.sleep(0.05)
    assert body["data"][0]["video_seconds"] == 6 and body["data"][0]["cost_usd"] == pytest.approx(2.4)
    assert body["budget"]["spent_usd"] == pytest.approx(2.4) and body["budget"]["remaining_usd"] == pytest.approx(7.6)


async def test_native_generate_content_is_billed_and_budgeted(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[{"key": ALICE_KEY, "name": "alice", "budget_usd": 0.01},
                                       {"key": BOB_KEY, "name": "bob", "budget_usd": 0}])
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    resp = await proxy.post("/v1beta/models/gemini-3.5-flash:generateContent", json=body,
                            headers={"x-goog-api-key": ALICE_KEY})
    assert resp.status == 200, await resp.text()
    metadata = (await resp.json())["usageMetadata"]
    row = (await usage(proxy, ALICE))["data"][0]
    assert row["requests"] == 1 and row["input_tokens"] == metadata["promptTokenCount"]
    before = len(generate_calls(emulator))
    refused = await proxy.post("/v1beta/models/gemini-3.5-flash:generateContent", json=body,
                               headers={"x-goog-api-key": BOB_KEY})
    assert refused.status == 429
    error = (await refused.json())["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED" and "budget" in error["message"].lower()
    assert len(generate_calls(emulator)) == before


async def test_an_admin_sees_every_keys_jobs_metadata_but_not_their_videos(team, emulator):
    mine = await (await team.post("/v1/videos", json={"prompt": "A secret cat", "seconds": "4"}, headers=ALICE)).json()
    theirs = await (await team.post("/v1/videos", json={"prompt": "A dog", "seconds": "4"}, headers=AUTH)).json()
    listed = await (await team.get("/v1/jobs", headers=ADMIN)).json()
    by_id = {job["id"]: job for job in listed["data"]}
    assert by_id[mine["id"]]["key"] == "alice" and by_id[mine["id"]]["seconds"] == 4
    assert by_id[theirs["id"]]["key"].startswith("key-") and "prompt" not in by_id[mine["id"]]
    only = await (await team.get("/v1/jobs", params={"key": "alice"}, headers=ADMIN)).json()
    assert [job["id"] for job in only["data"]] == [mine["id"]]
    own = await (await team.get("/v1/jobs", headers=ALICE)).json()
    assert [job["id"] for job in own["data"]] == [mine["id"]]
    assert (await team.get("/v1/jobs", params={"key": "bob"}, headers=ALICE)).status == 403
    # The admin key does not reach another key's video.
    assert (await team.get(f"/v1/videos/{mine['id']}/content", headers=ADMIN)).status == 404


async def test_usage_takes_days_as_the_console_sends_them(team, emulator):
    assert (await team.post("/v1/chat/completions", json=chat("gemini-3.5-flash", "hi"), headers=ALICE)).status == 200
    import datetime
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    body = await usage(team, ALICE, start=today, end=today, group_by="day")
    assert body["end"] - body["start"] == 86400 and body["data"][0]["day"] == today
    bad = await team.get("/v1/usage", params={"start": "yesterday"}, headers=ALICE)
    assert bad.status == 400

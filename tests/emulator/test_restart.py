"""With data_dir set, a restarted emulator still answers the operations (and files) it made."""

from __future__ import annotations

import asyncio

from proxy.emulator import EmulatorSettings, start_emulator

from .helpers import BEARER, KEY, poll_until_done, submit_veo, veo_body


async def test_running_operation_survives_a_restart(tmp_path, session):
    settings = EmulatorSettings(operation_delay=0.6, data_dir=tmp_path / "emu", catalog="2026-11")
    first = await start_emulator(settings=settings)
    name = await submit_veo(session, first, veo_body(durationSeconds=6, resolution="720p"))
    async with session.get(f"{first.base_url}/v1beta/{name}", headers=KEY) as r:
        assert (await r.json())["done"] is False
    await first.close()

    second = await start_emulator(settings=settings)  # a new process would see the same files
    try:
        async with session.get(f"{second.base_url}/v1beta/{name}", headers=KEY) as r:
            assert r.status == 200  # not "Operation ... not found"
        op = await poll_until_done(session, second, name)
        uri = op["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
        async with session.get(uri, headers=KEY) as r:
            assert r.status == 200 and len(await r.read()) > 1000
    finally:
        await second.close()


async def test_vertex_operation_and_poll_faults_survive_a_restart(tmp_path, session):
    settings = EmulatorSettings(operation_delay=0, data_dir=tmp_path / "emu", catalog="2026-11")
    base = "/v1/projects/p/locations/us-central1/publishers/google/models/veo-3.1-generate-001"
    first = await start_emulator(settings=settings)
    async with session.post(f"{first.base_url}{base}:predictLongRunning", headers=BEARER,
                            json=veo_body("a dog [emulate:poll-error]", generateAudio=False)) as r:
        name = (await r.json())["name"]
    async with session.post(f"{first.base_url}{base}:fetchPredictOperation", headers=BEARER,
                            json={"operationName": name}) as r:
        assert r.status == 503  # first of the two failing polls
    await first.close()
    second = await start_emulator(settings=settings)
    try:
        statuses = []
        for _ in range(2):
            async with session.post(f"{second.base_url}{base}:fetchPredictOperation", headers=BEARER,
                                    json={"operationName": name}) as r:
                statuses.append(r.status)
                body = await r.json()
        assert statuses == [503, 200]  # the poll count was kept
        assert body["done"] and body["response"]["videos"][0]["bytesBase64Encoded"]
    finally:
        await second.close()


async def test_without_data_dir_nothing_is_written(tmp_path, session, monkeypatch):
    monkeypatch.chdir(tmp_path)
    emu = await start_emulator(settings=EmulatorSettings(operation_delay=0, catalog="2026-11"))
    try:
        await submit_veo(session, emu, veo_body())
        await asyncio.sleep(0)
    finally:
        await emu.close()
    assert list(tmp_path.iterdir()) == []


async def test_operations_older_than_two_days_are_dropped_on_start(tmp_path, session):
    settings = EmulatorSettings(operation_delay=0, data_dir=tmp_path / "emu", catalog="2026-11")
    first = await start_emulator(settings=settings)
    old = await submit_veo(session, first, veo_body("old one"))
    new = await submit_veo(session, first, veo_body("new one"))
    first.state.operations[old].created -= 3 * 24 * 3600
    first.state.save(first.state.operations[old])
    await first.close()
    second = await start_emulator(settings=settings)
    try:
        assert new in second.state.operations and old not in second.state.operations
        assert len(list((tmp_path / "emu" / "operations").glob("*.json"))) == 1
    finally:
        await second.close()


async def test_a_running_omni_interaction_survives_a_restart(tmp_path, session):
    settings = EmulatorSettings(operation_delay=0.6, data_dir=tmp_path / "emu", catalog="2026-11")
    first = await start_emulator(settings=settings)
    body = {"model": "gemini-omni-1.2-flash", "input": "a cat", "response_modalities": ["video"], "background": True}
    async with session.post(f"{first.base_url}/v1beta/interactions", json=body, headers=KEY) as r:
        assert r.status == 200, await r.text()
        created = await r.json()
    assert created["status"] == "in_progress"
    await first.close()

    second = await start_emulator(settings=settings)
    try:
        for _ in range(50):
            async with session.get(f"{second.base_url}/v1beta/interactions/{created['id']}", headers=KEY) as r:
                assert r.status == 200, await r.text()  # not "Interaction ... not found"
                got = await r.json()
            if got["status"] != "in_progress":
                break
            await asyncio.sleep(0.1)
        assert got["status"] == "completed"
        outputs = [s for s in got["steps"] if s.get("type") == "model_output"]
        assert outputs and outputs[0]["content"][0]["type"] == "video"
    finally:
        await second.close()

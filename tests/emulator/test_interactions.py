"""Gemini Omni on the emulator's Interactions API: shapes, modes, editing, end states, Google's refusals."""

from __future__ import annotations

import asyncio
import base64

import pytest

from .helpers import BEARER, KEY

OMNI = "gemini-omni-1.1-flash"
PNG_B64 = "iVBORw0KGgo="


def url(emu, tail: str = "") -> str:
    return f"{emu.base_url}/v1beta/interactions{tail}"


async def create(session, emu, status: int = 200, **body):
    body.setdefault("model", OMNI)
    body.setdefault("input", "A red fox in the snow")
    async with session.post(url(emu), json=body, headers=KEY) as r:
        data = await r.json()
        assert r.status == status, data
        return data


async def get(session, emu, interaction_id: str, status: int = 200):
    async with session.get(url(emu, f"/{interaction_id}"), headers=KEY) as r:
        data = await r.json()
        assert r.status == status, data
        return data


async def wait_done(session, emu, interaction_id: str) -> dict:
    for _ in range(200):
        body = await get(session, emu, interaction_id)
        if body["status"] != "in_progress":
            return body
        await asyncio.sleep(0.02)
    raise AssertionError("interaction never finished")


def video_of(interaction: dict) -> dict:
    kinds = [step["type"] for step in interaction["steps"]]
    assert kinds == ["user_input", "thought", "model_output"]
    assert interaction["steps"][1]["signature"]
    [content] = interaction["steps"][2]["content"]
    assert content["type"] == "video" and content["mime_type"] == "video/mp4"
    return content


async def test_blocking_create_answers_the_finished_video_inline(emulator, session):
    body = await create(session, emulator, response_modalities=["video"],
                        response_format={"type": "video", "duration": "10s", "aspect_ratio": "9:16"})
    assert body["id"].startswith("v1_") and "object" not in body and "role" not in body and body["status"] == "completed"
    data = base64.b64decode(video_of(body)["data"])
    assert data[4:8] == b"ftyp"
    assert body["usage"]["output_tokens_by_modality"] == [{"modality": "video", "tokens": 57920}]
    assert body["steps"][0]["content"] == [{"type": "text", "text": "A red fox in the snow"}]


@pytest.mark.parametrize("emulator_operation_delay", [0.2])
async def test_background_create_polls_from_in_progress_to_completed(emulator, session):
    body = await create(session, emulator, background=True)
    assert body["status"] == "in_progress" and "steps" not in body
    done = await wait_done(session, emulator, body["id"])
    assert done["status"] == "completed"
    assert video_of(done)["data"]


async def test_uri_delivery_downloads_through_the_files_api(emulator, session):
    body = await create(session, emulator, response_format={"type": "video", "delivery": "uri"})
    uri = video_of(body)["uri"]
    async with session.get(uri, headers=KEY) as r:
        assert r.status == 200 and (await r.read())[4:8] == b"ftyp"


async def test_editing_continues_a_completed_interaction(emulator, session):
    first = await create(session, emulator)
    second = await create(session, emulator, input="now make it night", previous_interaction_id=first["id"],
                          generation_config={"video_config": {"task": "edit"}})
    assert second["previous_interaction_id"] == first["id"] and second["status"] == "completed"
    missing = await create(session, emulator, status=404, previous_interaction_id="v1_nope")
    assert missing["error"]["status"] == "NOT_FOUND"
    # Another project's key sees neither the interaction nor can continue it.
    other = {"x-goog-api-key": "another-project-key"}
    async with session.get(url(emulator, f"/{first['id']}"), headers=other) as r:
        assert r.status == 404
    async with session.post(url(emulator), headers=other, json={"model": OMNI, "input": "x",
                                                                "previous_interaction_id": first["id"]}) as r:
        assert r.status == 404


@pytest.mark.parametrize("emulator_operation_delay", [5])
async def test_cancel_a_background_interaction(emulator, session):
    body = await create(session, emulator, background=True)
    async with session.post(url(emulator, f"/{body['id']}/cancel"), headers=KEY) as r:
        assert r.status == 200 and (await r.json())["status"] == "cancelled"
    assert (await get(session, emulator, body["id"]))["status"] == "cancelled"
    async with session.post(url(emulator, f"/{body['id']}/cancel"), headers=KEY) as r:
        assert r.status == 400 and (await r.json())["error"]["status"] == "FAILED_PRECONDITION"


async def test_unknown_id_is_404_and_delete_forgets(emulator, session):
    error = await get(session, emulator, "v1_unknown", status=404)
    assert error["error"]["status"] == "NOT_FOUND"
    body = await create(session, emulator)
    async with session.delete(url(emulator, f"/{body['id']}"), headers=KEY) as r:
        assert r.status == 200 and await r.json() == {}
    await get(session, emulator, body["id"], status=404)


@pytest.mark.parametrize("marker,status", [("operation-error", "failed"), ("safety", "failed"),
                                           ("incomplete", "incomplete")])
async def test_end_states_by_fault_marker(emulator, session, marker, status):
    body = await create(session, emulator, input=f"a fox [emulate:{marker}]")
    assert body["status"] == status
    output = body["steps"][-1]
    if marker == "operation-error":
        assert output["error"]["code"] == 13
    if marker == "safety":
        assert output["error"]["details"][0]["reason"] == "SAFETY"


async def test_submit_faults_answer_googles_errors(emulator, session):
    error = await create(session, emulator, status=429, input="x [emulate:quota]")
    assert error["error"]["status"] == "RESOURCE_EXHAUSTED"


@pytest.mark.parametrize("body,field", [
    ({"response_format": {"type": "video", "duration": "5s"}}, "response_format.duration"),
    ({"response_format": {"type": "video", "resolution": "8k"}}, "response_format.resolution"),
    ({"response_format": {"type": "video", "aspect_ratio": "1:1"}}, "response_format.aspect_ratio"),
    ({"model": "gemini-omni-flash-preview", "response_format": {"type": "video", "resolution": "1080p"}},
     "response_format.resolution"),
    ({"input": [{"type": "image", "data": PNG_B64, "mime_type": "image/png"}] * 11}, "input"),
    ({"input": [{"type": "video", "uri": "https://x/a.mp4"}] * 2}, "input"),
    ({"input": [{"type": "image", "data": "!!", "mime_type": "image/png"}]}, "input[0].data"),
    ({"response_modalities": ["text"]}, "response_modalities"),
    ({"generation_config": {"video_config": {"task": "paint"}}}, "generation_config.video_config.task"),
    ({"temperature": 1}, "temperature"),
])
async def test_validation_errors(emulator, session, body, field):
    error = (await create(session, emulator, status=400, **body))["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["fieldViolations"][0]["field"] == field


async def test_unknown_model_and_bearer_token_are_refused(emulator, session):
    error = await create(session, emulator, status=404, model="gemini-omni-9")
    assert error["error"]["status"] == "NOT_FOUND"
    async with session.post(url(emulator), json={"model": OMNI, "input": "x"}, headers=BEARER) as r:
        body = await r.json()
        assert r.status == 403
        assert body["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def _video_facts(data: bytes) -> tuple[float, tuple[int, int, int], float]:
    """(frames per second, the middle pixel's colour, the audio's loudest sample) of an MP4."""
    import array
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        frame = next(container.decode(stream)).to_image()
        colour = frame.getpixel((2, 2))
    loudest = 0.0
    with av.open(io.BytesIO(data)) as container:
        if container.streams.audio:
            for audio in container.decode(audio=0):
                assert audio.format.name == "fltp"  # AAC decodes to 32-bit floats
                loudest = max([loudest, *(abs(v) for v in array.array("f", bytes(audio.planes[0])))])
    return fps, colour, loudest


async def test_an_edit_visibly_differs_from_its_source_and_videos_are_real(emulator, session):
    """24 fps as Veo and Omni make them, a sound track that is not silence, and an edit in another colour."""
    first = await create(session, emulator)
    second = await create(session, emulator, input="now paint it purple", previous_interaction_id=first["id"],
                          generation_config={"video_config": {"task": "edit"}})
    videos = [base64.b64decode(i["steps"][-1]["content"][0]["data"]) for i in (first, second)]
    (fps1, colour1, loud1), (fps2, colour2, loud2) = (_video_facts(v) for v in videos)
    assert fps1 == fps2 == 24
    assert loud1 > 0.05 and loud2 > 0.05
    assert max(abs(a - b) for a, b in zip(colour1, colour2, strict=True)) > 40, (colour1, colour2)

"""google-genai's client.interactions against genproxy: genproxy's keys, routes and job store behind it."""
from __future__ import annotations

import asyncio
import base64

import pytest
from google import genai

# The interactions client raises its own errors (not exported elsewhere in google-genai 3.6).
from google.genai._interactions_errors import APIStatusError

from tests.support import CLIENT_KEY, UPSTREAM_KEY

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OMNI = "gemini-omni-1.1-flash"
OTHER_KEY = "test-client-key-0002"


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY])


def client_for(proxy, key: str = CLIENT_KEY, version: str | None = None):
    options = {"base_url": str(proxy.make_url("/"))}
    if version:
        options["api_version"] = version
    return genai.Client(api_key=key, http_options=options).aio


def upstream_creates(emulator) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and r.path == "/v1beta/interactions"]


async def poll(client, interaction_id: str):
    for _ in range(150):
        got = await client.interactions.get(id=interaction_id)
        if got.status != "in_progress":
            return got
        await asyncio.sleep(0.1)
    raise AssertionError("never finished")


def video_data(interaction) -> bytes:
    [output] = [s for s in interaction.steps if s.type == "model_output"]
    [video] = output.content
    assert video.type == "video" and video.mime_type == "video/mp4"
    data = video.data if isinstance(video.data, bytes) else base64.b64decode(video.data)
    return data


@pytest.mark.parametrize("version", [None, "v1beta"])
async def test_create_in_background_get_until_completed(proxy, emulator, version):
    client = client_for(proxy, version=version)
    created = await client.interactions.create(
        model=OMNI, input="A heron taking off from a lake", background=True,
        response_format={"type": "video", "duration": "6s", "aspect_ratio": "16:9"})
    assert created.status == "in_progress" and created.id.startswith("video_")
    done = await poll(client, created.id)
    assert done.status == "completed"
    assert video_data(done)[4:8] == b"ftyp"
    assert done.usage.output_tokens_by_modality[0].tokens == 6 * 5792
    [sent] = upstream_creates(emulator)
    assert sent.headers["x-goog-api-key"] == UPSTREAM_KEY  # genproxy's credential, never the client's key
    assert sent.json["response_format"]["duration"] == "6s"


async def test_blocking_create_and_an_edit_with_previous_interaction_id(proxy, emulator):
    client = client_for(proxy)
    first = await client.interactions.create(model=OMNI, input="A red car on a coast road")
    assert first.status == "completed"
    edit = await client.interactions.create(model=OMNI, input="make it blue", previous_interaction_id=first.id)
    assert edit.status == "completed" and edit.previous_interaction_id == first.id
    create, continued = upstream_creates(emulator)
    google_first = next(i for i in emulator.state.interactions.values() if i.previous_interaction_id is None)
    assert continued.json["previous_interaction_id"] == google_first.id


@pytest.mark.parametrize("emulator_operation_delay", [30])
async def test_cancel_stops_the_interaction_at_google(proxy, emulator):
    client = client_for(proxy)
    created = await client.interactions.create(model=OMNI, input="A slow one", background=True)
    cancelled = await client.interactions.cancel(id=created.id)
    assert cancelled.status == "cancelled"
    assert (await client.interactions.get(id=created.id)).status == "cancelled"
    [item] = emulator.state.interactions.values()
    assert item.status() == "cancelled"
    with pytest.raises(APIStatusError) as caught:
        await client.interactions.cancel(id=created.id)
    assert caught.value.status_code == 400


async def test_unknown_and_other_keys_interactions_are_404(proxy):
    client = client_for(proxy)
    created = await client.interactions.create(model=OMNI, input="mine", background=True)
    with pytest.raises(APIStatusError) as caught:
        await client_for(proxy, OTHER_KEY).interactions.get(id=created.id)
    assert caught.value.status_code == 404
    with pytest.raises(APIStatusError) as caught:
        await client.interactions.get(id="video_000000000000000000000000")
    assert caught.value.status_code == 404


async def test_invalid_options_are_refused_before_google_is_asked(proxy, emulator):
    client = client_for(proxy)
    with pytest.raises(APIStatusError) as caught:
        await client.interactions.create(model=OMNI, input="x", response_format={"type": "video", "duration": "5s"})
    assert caught.value.status_code == 400 and "4, 6, 8, 10 seconds" in str(caught.value)
    assert "'field': 'response_format.duration'" in str(caught.value)
    with pytest.raises(APIStatusError) as caught:
        await client.interactions.create(model="gemini-2.5-flash", input="x", background=True)
    assert caught.value.status_code == 400
    assert upstream_creates(emulator) == []


async def test_a_failed_interaction_carries_googles_message(proxy):
    client = client_for(proxy)
    done = await client.interactions.create(model=OMNI, input="A storm [emulate:operation-error]")
    assert done.status == "failed"
    [output] = [s for s in done.steps if s.type == "model_output"]
    assert "Video generation failed due to an internal error." in output.error.message

"""Lyria through chat: a clip and a song come back playable (PyAV), as durable jobs with progress over SSE,
fetched again by job id, paid once."""
from __future__ import annotations

import base64
import io
import json

import av
import pytest

from tests.support import AUTH, assert_openai_error
from tests.video.helpers import PNG_1PX


def decoded(data: bytes) -> tuple[str, float, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        ctx = stream.codec_context
        return ctx.name, samples / ctx.sample_rate, ctx.channels


def music(model: str, prompt: str, **extra) -> dict:
    return {"model": model, "modalities": ["audio", "text"], "messages": [{"role": "user", "content": prompt}],
            **extra}


async def test_clip_is_a_30_second_stereo_mp3_with_lyrics(proxy):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH,
                            json=music("lyria-3-clip-preview", "A cheerful folk song about rivers"))
    assert resp.status == 200, await resp.text()
    message = (await resp.json())["choices"][0]["message"]
    codec, seconds, channels = decoded(base64.b64decode(message["audio"]["data"]))
    assert codec.startswith("mp3") and channels == 2
    assert seconds == pytest.approx(30, abs=0.1)
    assert "[Verse 1]" in message["content"] and message["audio"]["transcript"] == message["content"]


@pytest.mark.slow
async def test_song_streams_progress_then_plays_for_its_length_and_is_fetched_again(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json=music(
        "lyria-3-pro-preview", "Slow piano ballad [emulate:delay=0.6]", stream=True,
        music_config={"duration_seconds": 95, "instrumental": True}))
    assert resp.status == 200
    events = [json.loads(line[6:]) for line in (await resp.text()).splitlines()
              if line.startswith("data: {")]
    job_id = events[0]["genproxy"]["job_id"]
    assert any(e.get("genproxy", {}).get("status") == "in_progress" for e in events)
    message = next(e["choices"][0]["delta"] for e in events if e["choices"] and e["choices"][0]["delta"].get("audio"))
    song = base64.b64decode(message["audio"]["data"])
    assert decoded(song)[1] == pytest.approx(95, abs=0.1)
    assert message["content"] == "<instrumental>"
    sent = [r.json for r in emulator.state.requests if "lyria-3-pro-preview:" in r.path]
    assert len(sent) == 1 and "1 minute 35 seconds" in sent[0]["contents"][0]["parts"][0]["text"]

    again = await proxy.get(f"/v1/audio/songs/{job_id}", headers=AUTH)
    assert (await again.json())["status"] == "completed"
    content = await proxy.get(f"/v1/audio/songs/{job_id}/content", headers=AUTH)
    assert content.headers["Content-Type"] == "audio/mpeg"
    assert await content.read() == song
    # The same request again attaches to (or re-answers) nothing new at Google: never paid twice.
    usage = await (await proxy.get("/v1/usage", params={"group_by": "model"}, headers=AUTH)).json()
    row = next(r for r in usage["data"] if r["model"] == "lyria-3-pro-preview")
    assert row["cost_usd"] == pytest.approx(0.08)


async def test_lyria_35_makes_wav_and_takes_images(proxy, emulator):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={
        "model": "lyria-3.5", "modalities": ["audio", "text"], "audio": {"format": "wav"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Music for this picture, 20 seconds"},
                                                  {"type": "image_url", "image_url": {"url": PNG_1PX}}]}]})
    assert resp.status == 200, await resp.text()
    data = base64.b64decode((await resp.json())["choices"][0]["message"]["audio"]["data"])
    assert data[:4] == b"RIFF" and decoded(data)[1] == pytest.approx(20, abs=0.2)
    sent = [r.json for r in emulator.state.requests if "lyria-3.5:" in r.path][-1]
    assert sent["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "image/png"
    assert sent["generationConfig"]["responseFormat"] == {"audio": {"mimeType": "audio/wav"}}


@pytest.mark.parametrize(("model", "change", "param"), [
    ("lyria-3-clip-preview", {"music_config": {"duration_seconds": 60}}, "music_config.duration_seconds"),
    ("lyria-3-pro-preview", {"music_config": {"duration_seconds": 600}}, "music_config.duration_seconds"),
    ("lyria-3-pro-preview", {"audio": {"format": "wav"}}, "audio.format"),
    ("lyria-3-pro-preview", {"modalities": ["text"]}, "modalities"),
    ("lyria-3-pro-preview", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "x"}, *[{"type": "image_url", "image_url": {"url": PNG_1PX}}] * 11]}]},
     "messages[0].content"),
    ("lyria-3-pro-preview", {"messages": [{"role": "user", "content": "  "}]}, "messages"),
])
async def test_limits_are_checked_before_paying(proxy, emulator, model, change, param):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH, json={**music(model, "a song"), **change})
    assert resp.status == 400
    assert_openai_error(await resp.json(), param=param)
    assert not [r for r in emulator.state.requests if "lyria" in r.path]


async def test_blocked_prompt_is_an_error_and_costs_nothing(proxy):
    resp = await proxy.post("/v1/chat/completions", headers=AUTH,
                            json=music("lyria-3-clip-preview", "a song in the voice of a star [emulate:blocked]"))
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="content_filter")

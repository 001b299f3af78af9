"""What chat front-ends send, without the front-end: housekeeping never pays for media, a video answer carries a
player block with a signed link, and the history the front-end sends back edits or extends the last video."""
from __future__ import annotations

import re
import time

import aiohttp
import pytest
import yaml

from proxy.jobs.store import JOB_STORE
from proxy.media.signed_links import LINK_SIGNER
from tests.clients import frontend_requests as fe
from tests.clients.helpers import data_uri_bytes, is_mp4
from tests.support import AUTH, CLIENT_KEY

URL = "/v1/chat/completions"
VEO = "veo-3.1-fast-generate-preview"
OMNI = "gemini-omni-1.1-flash"
IMAGE = "gemini-3.1-flash-image"
BLOCK = re.compile(r"\n\n<video>\n([^\n]+)\n</video>\n")
OTHER_KEY = "test-client-key-0002"


def media_calls(emulator) -> list:
    """Upstream calls that generate media: Veo submits, Omni interactions, image generateContent."""
    return [r for r in emulator.state.requests if r.method == "POST" and (
        r.path.endswith(":predictLongRunning") or r.path == "/v1beta/interactions" or
        ("image" in r.path and r.path.endswith(":generateContent")))]


def text_calls(emulator, model: str) -> list:
    return [r for r in emulator.state.requests if r.method == "POST" and f"/models/{model}:" in r.path]


@pytest.fixture
async def proxy(make_proxy):
    return await make_proxy(api_keys=[{"key": CLIENT_KEY, "name": "open-webui", "chat_video_links": True},
                                      {"key": OTHER_KEY, "name": "other", "chat_video_links": True}])


async def read_sse(resp) -> list[dict]:
    import json
    events = []
    async for raw in resp.content:
        line = raw.decode().strip()
        if line.startswith("data: ") and line != "data: [DONE]":
            events.append(json.loads(line[6:]))
    return events


# ------------------------------------------------------------------ housekeeping

@pytest.mark.parametrize("prompt", [fe.TITLE, fe.TAGS, fe.FOLLOW_UPS, fe.QUERIES, fe.AUTOCOMPLETE, fe.EMOJI,
                                    fe.LIBRECHAT_TITLE],
                         ids=["title", "tags", "follow-ups", "queries", "autocomplete", "emoji", "librechat"])
@pytest.mark.parametrize("model", [VEO, OMNI, IMAGE])
async def test_bookkeeping_to_a_media_model_is_answered_by_text_and_makes_nothing(proxy, emulator, prompt, model):
    resp = await proxy.post(URL, json=fe.open_webui_task(model, prompt), headers=AUTH)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["model"] == "gemini-3.5-flash-lite"
    assert isinstance(body["choices"][0]["message"]["content"], str) and "videos" not in body["choices"][0]["message"]
    assert media_calls(emulator) == []
    assert len(text_calls(emulator, "gemini-3.5-flash-lite")) == 1
    listed = await (await proxy.get("/v1/videos", headers=AUTH)).json()
    assert listed["data"] == []


async def test_lobechat_title_request_is_answered_by_text(proxy, emulator):
    body = {"model": VEO, "messages": [{"role": "system", "content": fe.LOBECHAT_SYSTEM},
                                       {"role": "user", "content": "user: A cat on a roof\nassistant: a video"}]}
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert media_calls(emulator) == []


async def test_the_task_header_marks_bookkeeping_whatever_the_prompt(proxy, emulator):
    body = {"model": VEO, "messages": [{"role": "user", "content": "Suggest a title"}], "stream": True}
    resp = await proxy.post(URL, json=body, headers={**AUTH, "X-OpenWebUI-Task": "title_generation"})
    assert resp.status == 200
    events = await read_sse(resp)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices"))
    assert media_calls(emulator) == []


async def test_a_rag_turn_is_a_real_turn(proxy, emulator):
    """Open WebUI's RAG template also starts "### Task:" but comes streamed, as the user's turn: it makes the video."""
    resp = await proxy.post(URL, json=fe.open_webui_turn(VEO, [{"role": "user", "content": fe.RAG}]), headers=AUTH)
    assert resp.status == 200
    await read_sse(resp)
    assert len(media_calls(emulator)) == 1


async def test_a_task_to_a_text_model_stays_on_it(proxy, emulator):
    resp = await proxy.post(URL, json=fe.open_webui_task("gemini-3.8-flash", fe.TITLE), headers=AUTH)
    assert (await resp.json())["model"] == "gemini-3.8-flash"
    assert text_calls(emulator, "gemini-3.5-flash-lite") == []


async def test_without_a_housekeeping_model_the_answer_is_an_empty_json_and_free(make_proxy, emulator):
    proxy = await make_proxy(housekeeping_model="")
    resp = await proxy.post(URL, json=fe.open_webui_task(VEO, fe.TITLE), headers=AUTH)
    body = await resp.json()
    assert body["choices"][0]["message"]["content"] == "{}"
    assert [r for r in emulator.state.requests if r.method == "POST"] == []


async def test_models_list_text_first(proxy):
    data = (await (await proxy.get("/v1/models", headers=AUTH)).json())["data"]
    modalities = [m["modality"] for m in data]
    assert modalities[0] == "text"
    first_media = next(i for i, m in enumerate(modalities) if m != "text")
    assert all(m != "text" for m in modalities[first_media:])


# ------------------------------------------------------------------ the player block and its signed link

async def test_a_video_answer_carries_a_player_block_with_a_signed_link(proxy):
    turn = fe.open_webui_turn(VEO, [{"role": "user", "content": "A cat on a roof at sunset"}])
    resp = await proxy.post(URL, json=turn, headers=AUTH)
    events = await read_sse(resp)
    content = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices"))
    [url] = BLOCK.findall(content)
    videos = [v for e in events if e.get("choices") for v in e["choices"][0]["delta"].get("videos") or []]
    [video] = videos
    assert f"/v1/videos/{video['job_id']}/content?" in url
    # The browser fetches it without a key; it is the very video of the answer, and seekable.
    async with aiohttp.ClientSession() as browser:
        async with browser.get(url) as got:
            assert got.status == 200 and got.content_type == "video/mp4"
            assert await got.read() == data_uri_bytes(video["video_url"]["url"], "video/mp4")
        async with browser.get(url, headers={"Range": "bytes=0-99"}) as part:
            assert part.status == 206 and len(await part.read()) == 100
        tampered = url.replace("signature=", "signature=A")
        other_job = url.replace(video["job_id"], "video_" + "0" * 24)
        for bad in (tampered, other_job, url.split("&signature=")[0]):
            async with browser.get(bad) as refused:
                assert refused.status in (401, 403), bad  # without a signature it needs a key
                assert refused.status == 403 or "signature" not in bad


async def test_an_expired_link_is_a_403(proxy):
    resp = await proxy.post(URL, json={"model": VEO, "messages": [{"role": "user", "content": "A cat"}]}, headers=AUTH)
    message = (await resp.json())["choices"][0]["message"]
    job_id = message["videos"][0]["job_id"]
    owner = (await proxy.app[JOB_STORE].get(job_id)).client_key_id
    assert owner not in message["content"]  # the link names no key, not even by its id
    signer = proxy.app[LINK_SIGNER]
    old = signer.url(str(proxy.make_url("")), job_id, owner, now=time.time() - signer.settings.video_link_ttl - 5)
    async with aiohttp.ClientSession() as browser:
        async with browser.get(old) as got:
            assert got.status == 403
            assert (await got.json())["error"]["code"] == "link_expired"


async def test_links_are_built_on_public_base_url(make_proxy):
    proxy = await make_proxy(api_keys=[{"key": CLIENT_KEY, "chat_video_links": True}],
                             public_base_url="https://media.example.org/genproxy/")
    resp = await proxy.post(URL, json={"model": VEO, "messages": [{"role": "user", "content": "A cat"}]}, headers=AUTH)
    [url] = BLOCK.findall((await resp.json())["choices"][0]["message"]["content"])
    assert url.startswith("https://media.example.org/genproxy/v1/videos/video_")


async def test_no_block_unless_asked(make_proxy):
    proxy = await make_proxy()
    resp = await proxy.post(URL, json={"model": VEO, "messages": [{"role": "user", "content": "A cat"}]}, headers=AUTH)
    message = (await resp.json())["choices"][0]["message"]
    assert "<video>" not in message["content"] and message["videos"]


async def test_a_route_can_turn_links_on(make_proxy, routes_file):
    table = yaml.safe_load(routes_file.read_text())
    for route in table["routes"]:
        if route["model"] == VEO:
            route["chat_video_links"] = True
    routes_file.write_text(yaml.safe_dump(table))
    proxy = await make_proxy()
    resp = await proxy.post(URL, json={"model": VEO, "messages": [{"role": "user", "content": "A cat"}]}, headers=AUTH)
    assert len(BLOCK.findall((await resp.json())["choices"][0]["message"]["content"])) == 1


# ------------------------------------------------------------------ edits from the front-end's history

async def _turn(proxy, model: str, messages: list[dict], key: str = CLIENT_KEY) -> dict:
    resp = await proxy.post(URL, json={"model": model, "messages": messages},
                            headers={"Authorization": f"Bearer {key}"})
    assert resp.status == 200, await resp.text()
    return (await resp.json())["choices"][0]["message"]


async def test_omni_edits_the_video_named_only_in_the_assistants_text(proxy, emulator):
    history = [{"role": "user", "content": "A red car on a coast road"}]
    first = await _turn(proxy, OMNI, history)
    # What Open WebUI sends back: the assistant's text (with the block), no videos[].
    history += [{"role": "assistant", "content": first["content"]}, {"role": "user", "content": "now make it night"}]
    second = await _turn(proxy, OMNI, history)
    [video] = second["videos"]
    assert video["edited_from"] == first["videos"][0]["job_id"]
    create, edit = [r for r in emulator.state.requests if r.path == "/v1beta/interactions" and r.method == "POST"]
    assert edit.json["previous_interaction_id"] == first["videos"][0]["interaction_id"]
    assert is_mp4(data_uri_bytes(video["video_url"]["url"], "video/mp4"))


async def test_a_plain_content_url_in_the_history_is_enough(proxy, emulator):
    first = await _turn(proxy, OMNI, [{"role": "user", "content": "A red car"}])
    plain = f"Here: http://anything/v1/videos/{first['videos'][0]['job_id']}/content"
    second = await _turn(proxy, OMNI, [{"role": "user", "content": "A red car"}, {"role": "assistant", "content": plain},
                                       {"role": "user", "content": "make it blue"}])
    assert second["videos"][0]["edited_from"] == first["videos"][0]["job_id"]


async def test_veo_31_extends_the_video_of_the_history(proxy, emulator):
    history = [{"role": "user", "content": "A cat on a roof"}]
    first = await _turn(proxy, VEO, history)
    history += [{"role": "assistant", "content": first["content"]}, {"role": "user", "content": "now make it night"}]
    second = await _turn(proxy, VEO, history)
    create, extend = [r for r in emulator.state.requests if r.path.endswith(":predictLongRunning")]
    [instance] = extend.json["instances"]
    assert instance["prompt"] == "now make it night"
    assert instance["video"]["uri"]  # the first video's Files API URI (Veo extends only what it made)
    assert extend.json["parameters"]["resolution"] == "720p"
    assert second["videos"][0]["job_id"] != first["videos"][0]["job_id"]


async def test_another_keys_video_in_the_history_is_not_found(proxy):
    first = await _turn(proxy, OMNI, [{"role": "user", "content": "A red car"}], key=OTHER_KEY)
    resp = await proxy.post(URL, json={"model": OMNI, "messages": [
        {"role": "user", "content": "A red car"}, {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": "make it blue"}]}, headers=AUTH)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "job_not_found"

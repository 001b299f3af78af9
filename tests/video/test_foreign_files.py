"""Issue 25.5: a Google Files URI (or gs:// URI) is accepted only from the client key whose job made it."""
from __future__ import annotations

import pytest

from tests.support import AUTH, CLIENT_KEY
from tests.video.helpers import SEED, submits, video_request

URL = "/v1/chat/completions"
OTHER_KEY = "second-client-key-0002"
OTHER = {"Authorization": f"Bearer {OTHER_KEY}"}


def _extension(uri: str) -> dict:
    body = video_request("The cat keeps playing")
    body["messages"][0]["content"] = [{"type": "text", "text": "The cat keeps playing"},
                                      {"type": "video_url", "video_url": {"url": uri}}]
    return body


@pytest.fixture
async def two_keys(make_proxy):
    return await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY])


async def _file_uri_of_a_video(proxy) -> str:
    first = await proxy.post(URL, json=SEED, headers=AUTH)
    assert first.status == 200, await first.text()
    return (await first.json())["choices"][0]["message"]["videos"][0]["file_uri"]


async def test_another_key_cannot_extend_a_video_by_its_file_uri(two_keys, emulator):
    uri = await _file_uri_of_a_video(two_keys)
    refused = await two_keys.post(URL, json=_extension(uri), headers=OTHER)
    assert refused.status == 403, await refused.text()
    assert (await refused.json())["error"]["code"] == "foreign_file"
    for body in ({**video_request(), "video_config": {"video": uri}},
                 # the same file as Google itself names it
                 _extension("https://generativelanguage.googleapis.com/v1beta/" + uri.split("/v1beta/")[1])):
        assert (await two_keys.post(URL, json=body, headers=OTHER)).status == 403
    assert len(submits(emulator)) == 1
    mine = await two_keys.post(URL, json=_extension(uri), headers=AUTH)  # the key that made it
    assert mine.status == 200, await mine.text()
    assert len(submits(emulator)) == 2


async def test_a_gs_uri_no_job_made_is_refused(two_keys, emulator):
    body = video_request(model="vertex/veo-3.1-generate-001")
    body["messages"][0]["content"] = [{"type": "text", "text": "a cat"},
                                      {"type": "image_url", "image_url": {"url": "gs://someone-else/cat.png"}}]
    resp = await two_keys.post(URL, json=body, headers=AUTH)
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "foreign_file"
    assert submits(emulator) == []


async def test_a_setting_allows_foreign_files(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[CLIENT_KEY, OTHER_KEY], allow_foreign_file_uris=True)
    uri = await _file_uri_of_a_video(proxy)
    resp = await proxy.post(URL, json=_extension(uri), headers=OTHER)
    assert resp.status == 200, await resp.text()

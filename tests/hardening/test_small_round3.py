"""Issue 25.9's smaller items: a malformed image URL, the data folder's modes."""
from __future__ import annotations

import asyncio
import sqlite3
import stat

from tests.support import AUTH, chat


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_an_image_url_with_a_backslash_in_its_authority_is_a_400(proxy, emulator):
    body = chat("gemini-3-flash-preview", "describe")
    body["messages"][0]["content"] = [{"type": "text", "text": "describe"},
                                      {"type": "image_url", "image_url": {"url": "http://127.0.0.1:9\\@example.com/a.png"}}]
    resp = await proxy.post("/v1/chat/completions", json=body, headers=AUTH)
    assert resp.status == 400, await resp.text()
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_url" and error["param"] == "messages[0].content[1].image_url.url"
    assert not emulator.state.requests


async def test_the_job_store_and_the_media_are_readable_by_their_owner_only(make_proxy, tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # as an earlier version left it
    sqlite3.connect(data / "jobs.sqlite3").close()
    (data / "jobs.sqlite3").chmod(0o644)
    proxy = await make_proxy(data_dir=data)
    created = await (await proxy.post("/v1/videos", json={"prompt": "a cat", "seconds": "4"}, headers=AUTH)).json()
    for _ in range(200):
        job = await (await proxy.get(f"/v1/videos/{created['id']}", headers=AUTH)).json()
        if job["status"] == "completed":
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "completed"
    assert _mode(data) == 0o700 and _mode(data / "media") == 0o700
    for path in [data / "jobs.sqlite3", *data.glob("jobs.sqlite3-*"), *(data / "media").iterdir()]:
        assert _mode(path) == 0o600, path

"""Token files added, edited and removed while the proxy runs."""
from __future__ import annotations

import asyncio
import json

import pytest

from proxy import keys
from proxy.http.errors import ApiError
from tests.upstreams.conftest import header, sent, token_file

TEXT = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}


async def eventually(check, timeout: float = 3.0):
    """Retry ``check`` (an async callable) until it stops raising AssertionError/ApiError."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except (AssertionError, ApiError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_running_proxy_picks_up_added_edited_and_removed_files(make_proxy, emulator, auth_dir):
    client = await make_proxy(gemini_api_keys=[], auth_dir_poll_interval=0.05)
    codeassist = client.app[keys.UPSTREAMS].get("codeassist")

    with pytest.raises(ApiError) as err:
        await codeassist.generate_content("gemini-3-flash-preview", TEXT)
    assert err.value.code == "no_credentials"

    path = token_file(auth_dir, "new.json", access_token="ya29.first", project_id="proj-1")

    async def uses(token: str, project: str):
        emulator.state.requests.clear()
        await codeassist.generate_content("gemini-3-flash-preview", TEXT)
        [call] = sent(emulator, "/v1internal:generateContent")
        assert header(call, "Authorization") == f"Bearer {token}" and call.json["project"] == project

    await eventually(lambda: uses("ya29.first", "proj-1"))

    data = json.loads(path.read_text())  # CCS re-login: new token and project in the same file
    data["token"]["access_token"] = "ya29.second"
    data["project_id"] = "proj-2"
    data["token"]["expiry"] = "2099-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    await eventually(lambda: uses("ya29.second", "proj-2"))

    path.unlink()

    async def gone():
        try:
            await codeassist.generate_content("gemini-3-flash-preview", TEXT)
        except ApiError as exc:
            assert exc.code == "no_credentials"
        else:
            raise AssertionError("the removed file still serves")

    await eventually(gone)


async def test_provider_comes_from_type_not_file_name(build, auth_dir):
    token_file(auth_dir, "gemini-looks-right.json", type="claude")
    token_file(auth_dir, "claude-but-gemini.json", access_token="ya29.g")
    (auth_dir / "broken.json").write_text("{not json")
    (auth_dir / "notes.txt").write_text("ignored")
    reg = build(gemini_api_keys=[])
    ids = {c.id for c in reg.get("codeassist").pool.all()}
    assert ids == {"oauth:claude-but-gemini.json"}
    assert {c.id for c in reg.get("vertex").pool.all()} == ids
    # Google refuses OAuth tokens on the Gemini API (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT): never in that pool
    assert not reg.get("gemini").pool.all()
    assert {p.name: r for p, r in reg.store.skipped.items()}.keys() == {"gemini-looks-right.json", "broken.json"}


async def test_a_broken_edit_takes_the_file_out_until_fixed(build, emulator, auth_dir):
    path = token_file(auth_dir, "a.json", access_token="ya29.a")
    reg = build(gemini_api_keys=[])
    good = path.read_text()
    path.write_text("{half a file")
    reg.store.refresh()
    assert len(reg.get("codeassist").pool) == 0
    path.write_text(good)
    reg.store.refresh()
    await reg.get("codeassist").generate_content("gemini-3-flash-preview", TEXT)
    assert header(sent(emulator, "/v1internal")[0], "Authorization") == "Bearer ya29.a"


async def test_cooldown_survives_an_unrelated_rescan(build, auth_dir):
    token_file(auth_dir, "a.json")
    reg = build(gemini_api_keys=[])
    pool = reg.get("codeassist").pool
    [cred] = pool.all()
    pool.report_quota(cred, 60)
    token_file(auth_dir, "b.json")
    assert reg.store.refresh()
    assert len(pool) == 2 and pool.cooling_until(cred) > 0
    assert reg.get("vertex").pool.cooling_until(cred) == 0  # quotas are per upstream


async def test_signing_in_again_clears_the_cooldown_of_a_revoked_file(build, emulator, auth_dir):
    token_file(auth_dir, "a.json", access_token="ya29.old", refresh_token="revoked-1", expires_in=-1)
    reg = build(gemini_api_keys=[])
    ca = reg.get("codeassist")
    with pytest.raises(ApiError):
        await ca.generate_content("gemini-3-flash-preview", TEXT)
    with pytest.raises(ApiError) as err:  # resting now: answered without a refresh attempt
        await ca.generate_content("gemini-3-flash-preview", TEXT)
    assert err.value.status == 429 and len(sent(emulator, "/token")) == 1
    token_file(auth_dir, "a.json", access_token="ya29.new-login", refresh_token="1//new", expires_in=3600)
    reg.store.refresh()
    await ca.generate_content("gemini-3-flash-preview", TEXT)
    assert header(sent(emulator, "/v1internal")[0], "Authorization") == "Bearer ya29.new-login"

"""Issue 14.11: first-hour fixes. `genproxy jobs list | head` without a traceback; one rule for who owns a
job when no client keys are configured; the CLI reports the saved file's real resolution."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from proxy.emulator.media import sample_path
from proxy.media.mp4info import mp4_info
from tests.hardening.fake_google import FakeGoogle
from tests.support import AUTH, CLIENT_KEY

GENPROXY = str(Path(sys.executable).with_name("genproxy"))


async def _make_job(proxy, headers: dict, prompt: str = "A cat") -> str:
    resp = await proxy.post("/v1/videos", json={"prompt": prompt, "seconds": 4}, headers=headers)
    assert resp.status == 200, await resp.text()
    return (await resp.json())["id"]


async def _cli(proxy, *args: str, close_stdout: bool = False) -> tuple[int, str, str]:
    env = {**os.environ, "GENPROXY_BASE_URL": str(proxy.make_url("/")), "GENPROXY_API_KEY": CLIENT_KEY}
    read_fd, write_fd = os.pipe()
    proc = await asyncio.create_subprocess_exec(GENPROXY, *args, stdout=write_fd, stderr=asyncio.subprocess.PIPE,
                                                env=env)
    os.close(write_fd)
    if close_stdout:
        os.close(read_fd)  # like `| head` that has already read its lines and left
        stdout = ""
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    if not close_stdout:
        with os.fdopen(read_fd, "rb") as reader:
            stdout = reader.read().decode()
    return proc.returncode, stdout, stderr.decode()


async def test_jobs_list_into_a_closed_pipe_has_no_traceback(proxy):
    for i in range(3):
        await _make_job(proxy, AUTH, f"A cat {i}")
    code, stdout, stderr = await _cli(proxy, "jobs", "list")
    assert code == 0 and stdout.count("video_") == 3, stderr
    code, _, stderr = await _cli(proxy, "jobs", "list", close_stdout=True)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert stderr == ""
    assert code == 141  # as a command killed by SIGPIPE: `set -o pipefail` still sees it


async def test_without_client_keys_every_caller_owns_the_same_jobs(make_proxy):
    proxy = await make_proxy(api_keys=[])
    without_key = await _make_job(proxy, {})
    with_key = await _make_job(proxy, {"Authorization": "Bearer some-key"})
    for headers in ({}, {"Authorization": "Bearer some-key"}, {"x-goog-api-key": "another-key"}):
        listing = await (await proxy.get("/v1/videos", headers=headers)).json()
        assert {v["id"] for v in listing["data"]} == {without_key, with_key}, headers
        for job in (without_key, with_key):
            assert (await proxy.get(f"/v1/videos/{job}", headers=headers)).status == 200
            native = await proxy.get(f"/v1beta/models/veo-3.1-generate-preview/operations/{job}", headers=headers)
            assert native.status == 200


async def test_with_client_keys_each_key_owns_its_jobs(make_proxy):
    proxy = await make_proxy(api_keys=["key-aaaaaa", "key-bbbbbb"])
    mine = await _make_job(proxy, {"Authorization": "Bearer key-aaaaaa"})
    assert (await proxy.get(f"/v1/videos/{mine}", headers={"Authorization": "Bearer key-aaaaaa"})).status == 200
    assert (await proxy.get(f"/v1/videos/{mine}", headers={"Authorization": "Bearer key-bbbbbb"})).status == 404
    listing = await (await proxy.get("/v1/videos", headers={"x-goog-api-key": "key-bbbbbb"})).json()
    assert listing["data"] == []


async def test_video_reports_the_saved_files_real_resolution(aiohttp_server, make_proxy, tmp_path):
    """Google may make something else than asked (here: a 720p file for a 1080p request); the CLI says
    what the saved file is, read from the MP4, not what the request asked for."""
    fake = FakeGoogle()
    app = fake.upstream_app()
    app.add_subapp("/files/", fake.file_app())  # serves the emulator's 1280x720, 8 s sample
    upstream = await aiohttp_server(app)
    fake.video_uri = f"http://{upstream.host}:{upstream.port}/files/abc:download?alt=media"
    # FakeGoogle plays Veo on the Gemini API (genproxy's own default video model is Gemini Omni).
    proxy = await make_proxy(gemini_base_url=f"http://{upstream.host}:{upstream.port}",
                             default_video_model="veo-3.1-generate-preview")
    out = tmp_path / "cat.mp4"
    code, stdout, stderr = await _cli(proxy, "video", "A cat", "--duration", "8", "--aspect-ratio", "16:9",
                                      "--resolution", "1080p", "-o", str(out))
    assert code == 0, stderr
    assert mp4_info(out).resolution == "1280x720"
    assert "8.0 s, 1280x720; asked for 1920x1080" in stdout, stdout
    job_id = stdout.split("job ")[-1].strip(" )\n")
    code, stdout, stderr = await _cli(proxy, "jobs", "get", job_id, "-o", str(tmp_path / "again.mp4"))
    assert code == 0 and "1280x720; asked for 1920x1080" in stdout, stdout + stderr


@pytest.mark.parametrize("aspect,resolution,seconds,size", [("16:9", "720p", 8, (1280, 720)),
                                                            ("9:16", "1080p", 4, (1080, 1920)),
                                                            ("16:9", "4k", 6, (3840, 2160))])
def test_mp4_info_reads_size_and_duration(aspect, resolution, seconds, size):
    info = mp4_info(sample_path(aspect, seconds, resolution))
    assert (info.width, info.height, info.duration) == (*size, seconds)


def test_mp4_info_of_something_else_is_none(tmp_path):
    junk = tmp_path / "x.mp4"
    junk.write_bytes(b"\x00\x00\x00\x08free" + b"not a movie")
    assert mp4_info(junk) is None
    assert mp4_info(tmp_path / "missing.mp4") is None

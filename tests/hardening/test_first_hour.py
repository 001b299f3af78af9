"""Issue 14.11: first-hour fixes. `genproxy jobs list | head` without a traceback; one rule for who owns a
job when no client keys are configured; the CLI reports the saved file's real resolution."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from proxy.mp4info import mp4_info
from proxy.emulator.media import sample_path
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


async def test_video_reports_the_saved_files_real_resolution(proxy, tmp_path):
    out = tmp_path / "cat.mp4"
    code, stdout, stderr = await _cli(proxy, "video", "A cat", "--duration", "6", "--aspect-ratio", "9:16",
                                      "--resolution", "720p", "-o", str(out))
    assert code == 0, stderr
    real = mp4_info(out)
    assert real.resolution == "90x160"  # the emulator's tiny MP4, whatever was asked for
    assert "6.0 s, 90x160; asked for 720x1280" in stdout, stdout
    code, stdout, stderr = await _cli(proxy, "jobs", "get", stdout.split("job ")[-1].strip(" )\n"), "-o", str(out))
    assert code == 0 and "90x160" in stdout, stdout + stderr


@pytest.mark.parametrize("name,size", [("landscape_8s.mp4", (160, 90, 8.0)), ("portrait_4s.mp4", (90, 160, 4.0))])
def test_mp4_info_reads_size_and_duration(name, size):
    info = mp4_info(sample_path("16:9" if name.startswith("landscape") else "9:16", int(size[2])))
    assert (info.width, info.height, info.duration) == size


def test_mp4_info_of_something_else_is_none(tmp_path):
    junk = tmp_path / "x.mp4"
    junk.write_bytes(b"\x00\x00\x00\x08free" + b"not a movie")
    assert mp4_info(junk) is None
    assert mp4_info(tmp_path / "missing.mp4") is None

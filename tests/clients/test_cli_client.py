"""`genproxy video|image|jobs` run as a user runs them: the console script against a running proxy."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from tests.clients.helpers import PNG_SIGNATURE, is_mp4, mp4_duration, png_size, run
from tests.support import CLIENT_KEY
from tests.video.helpers import PNG_1PX, submits

_script = Path(sys.executable).parent / "genproxy"
GENPROXY = (str(_script),) if _script.exists() else ("python", "-m", "proxy")


def conn(proxy) -> list[str]:
    return ["--base-url", str(proxy.make_url("/")), "--api-key", CLIENT_KEY]


async def test_video_saves_the_mp4_with_the_flags_sent_and_shows_progress(proxy, emulator, tmp_path):
    out = tmp_path / "cat.mp4"
    code, stdout, stderr = await run(*GENPROXY, "video", "A cat playing with a ball", "-o", str(out), *conn(proxy),
                                     "--model", "veo-3.1-fast-generate-preview", "--duration", "6",
                                     "--aspect-ratio", "9:16", "--resolution", "720p",
                                     "--negative-prompt", "cartoon")
    assert code == 0, stderr
    data = out.read_bytes()
    assert is_mp4(data) and mp4_duration(data) == pytest.approx(6, abs=0.5)
    assert f"saved {out}" in stdout
    assert re.search(r"\[#{30}\] 100% completed", stderr), stderr
    [submit] = submits(emulator)
    assert submit.path.endswith("veo-3.1-fast-generate-preview:predictLongRunning")
    assert submit.json == {"instances": [{"prompt": "A cat playing with a ball"}],
                           "parameters": {"aspectRatio": "9:16", "resolution": "720p", "durationSeconds": 6,
                                          "negativePrompt": "cartoon"}}


async def test_video_first_frame_and_environment_settings(proxy, emulator, tmp_path):
    frame = tmp_path / "frame.png"
    frame.write_bytes(__import__("base64").b64decode(PNG_1PX.partition(",")[2]))
    out = tmp_path / "jump.mp4"
    code, _, stderr = await run(*GENPROXY, "video", "It jumps", "--model", "veo-3.1-generate-preview", "--image", str(frame), "-o", str(out),
                                env={"GENPROXY_BASE_URL": str(proxy.make_url("/v1")), "GENPROXY_API_KEY": CLIENT_KEY})
    assert code == 0, stderr
    assert is_mp4(out.read_bytes())
    image = submits(emulator)[0].json["instances"][0]["image"]
    assert image["mimeType"] == "image/png" and image["bytesBase64Encoded"] == PNG_1PX.partition(",")[2]


async def test_video_errors_are_one_line_and_nothing_is_spent(proxy, emulator, tmp_path):
    out = tmp_path / "x.mp4"
    code, _, stderr = await run(*GENPROXY, "video", "A cat", "--model", "veo-3.1-generate-preview", "--duration", "5", "-o",
                                str(out), *conn(proxy))
    assert code == 1
    assert stderr.startswith("genproxy: error 400:") and "duration_seconds" in stderr
    code, _, stderr = await run(*GENPROXY, "video", "A cat", "-o", str(out), "--base-url",
                                str(proxy.make_url("/")), "--api-key", "wrong")
    assert code == 1 and "error 401" in stderr
    assert not out.exists() and submits(emulator) == []


async def test_failed_job_exits_non_zero_with_the_reason(proxy, tmp_path):
    out = tmp_path / "x.mp4"
    code, _, stderr = await run(*GENPROXY, "video", "A storm [emulate:operation-error]", "-o", str(out), *conn(proxy))
    assert code == 1
    assert "failed" in stderr and "internal error" in stderr
    assert not out.exists()


def default_sigint() -> None:
    """In the child, before exec: SIGINT as a terminal's Ctrl-C finds it. A suite started in the background
    (`pytest &`) ignores SIGINT, children inherit that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def test_ctrl_c_leaves_the_job_running_and_jobs_get_fetches_it(proxy, tmp_path):
    out = tmp_path / "later.mp4"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable if a == "python" else a for a in GENPROXY], "video", "A slow cat [emulate:delay=2]",
        "-o", str(out), *conn(proxy), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        preexec_fn=default_sigint)
    seen = b""
    while b" started " not in seen:
        seen += await asyncio.wait_for(proc.stderr.read(200), 20)
    await asyncio.sleep(0.3)  # while it waits for the job
    proc.send_signal(signal.SIGINT)
    rest, _ = await asyncio.wait_for(asyncio.gather(proc.stderr.read(), proc.wait()), 20)
    stderr = (seen + rest).decode()
    assert proc.returncode == 130, stderr
    job_id = re.search(r"job (video_\w+) started", stderr).group(1)
    assert f"genproxy jobs get {job_id} -o {out}" in stderr
    assert not out.exists()

    code, stdout, stderr = await run(*GENPROXY, "jobs", "list", *conn(proxy))
    assert code == 0, stderr
    assert re.search(rf"^{job_id}\s+(queued|in_progress|completed)\s", stdout, re.M), stdout
    assert "A slow cat" in stdout

    # The job went on without the client: fetch it (waiting, with progress, if it is not done yet).
    code, stdout, stderr = await run(*GENPROXY, "jobs", "get", job_id, "-o", str(out), *conn(proxy))
    assert code == 0, stderr
    assert is_mp4(out.read_bytes())
    code, stdout, _ = await run(*GENPROXY, "jobs", "get", job_id, *conn(proxy))
    assert code == 0 and f"{job_id}  completed  100%" in stdout


async def test_jobs_get_unknown_and_delete(proxy, tmp_path):
    code, _, stderr = await run(*GENPROXY, "jobs", "get", "video_nope", *conn(proxy))
    assert code == 1 and "error 404" in stderr
    code, stdout, stderr = await run(*GENPROXY, "video", "A cat", "--no-wait", *conn(proxy))
    assert code == 0, stderr
    job_id = stdout.strip()
    assert job_id.startswith("video_")
    code, stdout, _ = await run(*GENPROXY, "jobs", "delete", job_id, *conn(proxy))
    assert code == 0 and f"deleted {job_id}" in stdout
    code, stdout, _ = await run(*GENPROXY, "jobs", "list", *conn(proxy))
    assert job_id not in stdout


async def test_image_saves_a_png(proxy, tmp_path):
    out = tmp_path / "cat.png"
    code, stdout, stderr = await run(*GENPROXY, "image", "A cute cat", "-o", str(out), "--model",
                                     "gemini-3.1-flash-image", "--aspect-ratio", "16:9", *conn(proxy))
    assert code == 0, stderr
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = png_size(data)
    assert (width, height) == (1376, 768)  # Google's 16:9 at 1K


async def test_unreachable_proxy_is_explained(tmp_path):
    code, _, stderr = await run(*GENPROXY, "video", "A cat", "--base-url", "http://127.0.0.1:9", "--api-key", "k")
    assert code == 1 and "cannot reach genproxy" in stderr

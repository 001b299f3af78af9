"""The example scripts, run as a user runs them: a subprocess against a running genproxy."""
from __future__ import annotations

import base64

import pytest

from tests.clients.helpers import PNG_SIGNATURE, is_mp4, mp4_duration, png_size, run
from tests.support import CLIENT_KEY, REPO
from tests.video.helpers import PNG_1PX, submits

IMAGE_GEN = str(REPO / "examples" / "image_gen.py")
VIDEO_GEN = str(REPO / "examples" / "video_gen.py")


async def test_image_gen_saves_a_png_of_the_asked_aspect_ratio(proxy, tmp_path):
    out = tmp_path / "pics" / "cat.png"
    code, stdout, stderr = await run("python", IMAGE_GEN, "A cute cat", "--base-url", str(proxy.make_url("/")),
                                     "--api-key", CLIENT_KEY, "--model", "gemini-3.1-flash-image",
                                     "--aspect-ratio", "3:4", "--out", str(out))
    assert code == 0, stderr
    assert f"saved {out}" in stdout
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = png_size(data)
    assert (width, height) == (896, 1200)  # Google's 3:4 at 1K


async def test_image_gen_reads_the_key_from_the_environment_and_reports_errors(proxy, tmp_path):
    out = tmp_path / "x.png"
    code, stdout, stderr = await run("python", IMAGE_GEN, "A cat", "--out", str(out),
                                     env={"GENPROXY_BASE_URL": str(proxy.make_url("/")), "GENPROXY_API_KEY": "wrong"})
    assert code != 0 and "error 401" in stderr and not out.exists()
    code, stdout, stderr = await run("python", IMAGE_GEN, "A cat", "--model", "gemini-3.1-flash-image",
                                     "--out", str(out),
                                     env={"GENPROXY_BASE_URL": str(proxy.make_url("/")), "GENPROXY_API_KEY": CLIENT_KEY})
    assert code == 0, stderr
    assert out.read_bytes()[:8] == PNG_SIGNATURE


async def test_video_gen_saves_a_playable_mp4_with_the_options_sent(proxy, emulator, tmp_path):
    out = tmp_path / "cat.mp4"
    code, stdout, stderr = await run("python", VIDEO_GEN, "A cat playing with a ball", "--base-url",
                                     str(proxy.make_url("/")), "--api-key", CLIENT_KEY, "--duration", "6",
                                     "--aspect-ratio", "9:16", "--negative-prompt", "cartoon",
                                     "--out", str(out))
    assert code == 0, stderr
    assert f"saved {out}" in stdout
    data = out.read_bytes()
    assert is_mp4(data) and mp4_duration(data) == pytest.approx(6, abs=0.5)
    assert submits(emulator)[0].json == {
        "instances": [{"prompt": "A cat playing with a ball"}],
        "parameters": {"aspectRatio": "9:16", "resolution": "720p", "durationSeconds": 6,
                       "negativePrompt": "cartoon"}}


async def test_video_gen_first_frame_image(proxy, emulator, tmp_path):
    frame = tmp_path / "frame.png"
    frame.write_bytes(base64.b64decode(PNG_1PX.partition(",")[2]))
    out = tmp_path / "v.mp4"
    code, _, stderr = await run("python", VIDEO_GEN, "It jumps", "--base-url", str(proxy.make_url("/")),
                                "--api-key", CLIENT_KEY, "--image", str(frame), "--out", str(out))
    assert code == 0, stderr
    assert is_mp4(out.read_bytes())
    assert submits(emulator)[0].json["instances"][0]["image"]["mimeType"] == "image/png"


async def test_video_gen_explains_a_bad_option(proxy, emulator, tmp_path):
    out = tmp_path / "v.mp4"
    code, _, stderr = await run("python", VIDEO_GEN, "A cat", "--base-url", str(proxy.make_url("/")),
                                "--api-key", CLIENT_KEY, "--duration", "5", "--out", str(out))
    assert code != 0
    assert "error 400" in stderr and "duration_seconds" in stderr
    assert not out.exists() and submits(emulator) == []

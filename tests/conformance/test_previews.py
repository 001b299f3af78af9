"""GET /v1/videos/{id}/content?variant=thumbnail|spritesheet: JPEG frames of the real video, via the openai SDK."""
from __future__ import annotations

import io

import av
import openai
import pytest
from PIL import Image

from tests.support import AUTH, CLIENT_KEY, assert_openai_error

pytestmark = pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")


@pytest.fixture
async def sdk(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as client:
        yield client


def first_frame(mp4: bytes) -> Image.Image:
    with av.open(io.BytesIO(mp4)) as container:
        return next(container.decode(video=0)).to_image()


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    from PIL import ImageChops, ImageStat

    a, b = a.convert("L"), b.convert("L").resize(a.size)
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


async def test_thumbnail_is_a_jpeg_of_the_first_frame(sdk):
    video = await sdk.videos.create_and_poll(prompt="A cat", size="1280x720", poll_interval_ms=50)
    assert video.status == "completed"
    mp4 = (await sdk.videos.download_content(video.id)).read()
    thumbnail = await sdk.videos.download_content(video.id, variant="thumbnail")
    assert thumbnail.response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumbnail.read()))
    assert image.format == "JPEG"
    frame = first_frame(mp4)
    assert image.size == frame.size and image.width > image.height  # the landscape video's own frame
    assert mean_difference(image, frame) < 12, "the thumbnail shows the video's first frame"


async def test_spritesheet_is_a_jpeg_grid_of_frames_across_the_video(sdk):
    video = await sdk.videos.create_and_poll(prompt="A cat", poll_interval_ms=50)  # 720x1280 by default
    sheet = Image.open(io.BytesIO((await sdk.videos.download_content(video.id, variant="spritesheet")).read()))
    assert sheet.format == "JPEG"
    tile_w, tile_h = sheet.width // 5, sheet.height // 2
    assert tile_w == 256 and tile_h == round(256 * 16 / 9)  # portrait tiles, 5 x 2
    tiles = [sheet.crop((c * tile_w, r * tile_h, (c + 1) * tile_w, (r + 1) * tile_h)) for r in range(2) for c in range(5)]
    # The emulator's videos count seconds: the first and last tiles show different frames.
    assert mean_difference(tiles[0], tiles[-1]) > 1


async def test_unknown_variant_and_unfinished_video_are_clear_errors(proxy):
    created = await (await proxy.post("/v1/videos", json={"prompt": "A cat [emulate:delay=5]"}, headers=AUTH)).json()
    resp = await proxy.get(f"/v1/videos/{created['id']}/content?variant=gif", headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), param="variant")
    resp = await proxy.get(f"/v1/videos/{created['id']}/content?variant=thumbnail", headers=AUTH)
    assert resp.status == 409
    assert_openai_error(await resp.json(), code="video_not_ready")

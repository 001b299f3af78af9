"""The google-genai SDK pointed at genproxy: Google's own API shape, genproxy's credentials and jobs behind it."""
from __future__ import annotations

import asyncio
import base64

import pytest
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials

from tests.clients.helpers import is_mp4, mp4_duration, png_size
from tests.support import CLIENT_KEY, UPSTREAM_KEY
from tests.upstreams.conftest import token_file
from tests.video.helpers import PNG_1PX, submits

# google-genai warns about its own deprecations (generate_videos prompt=, aiohttp subclassing).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TEXT = "gemini-3-flash-preview"
IMAGE = "gemini-3.1-flash-image"
VIDEO = "veo-3.1-generate-preview"


@pytest.fixture
def client(proxy):
    return genai.Client(api_key=CLIENT_KEY, http_options={"base_url": str(proxy.make_url("/"))}).aio


def upstream_requests(emulator, suffix: str) -> list:
    return [r for r in emulator.state.requests if r.path.endswith(suffix)]


async def test_generate_content_goes_upstream_with_genproxys_key(client, emulator):
    reply = await client.models.generate_content(
        model=TEXT, contents="hello there",
        config=types.GenerateContentConfig(system_instruction="Be brief.", temperature=0.2))
    assert reply.text == "Echo: hello there"
    assert reply.usage_metadata.total_token_count > 0
    [sent] = upstream_requests(emulator, f"/v1beta/models/{TEXT}:generateContent")
    assert sent.json["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert sent.json["generationConfig"]["temperature"] == 0.2
    # genproxy's upstream credential went to Google, never the client's key.
    assert sent.headers.get("x-goog-api-key") == UPSTREAM_KEY


async def test_generate_content_image(client):
    reply = await client.models.generate_content(
        model=IMAGE, contents="A cute cat",
        config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"],
                                           image_config=types.ImageConfig(aspect_ratio="4:3")))
    images = [p.inline_data for p in reply.candidates[0].content.parts if p.inline_data]
    assert images and images[0].mime_type == "image/png"
    width, height = png_size(images[0].data)
    assert (width, height) == (1200, 896)  # Google's 4:3 at 1K


async def test_generate_content_stream(client):
    text = ""
    async for chunk in await client.models.generate_content_stream(model=TEXT, contents="stream me please"):
        text += chunk.text or ""
    assert text == "Echo: stream me please"


async def start_video(client, proxy, model: str, prompt: str, image: dict | None = None, **parameters):
    """models.generate_videos where the SDK offers it on the Gemini API; google-genai 3.x allows it only
    in Vertex mode (tested below with vertex_client), so here the same predictLongRunning body goes over
    plain REST (as Google's docs show), and operations.get / files.download (which 3.x still has) take over."""
    config = types.GenerateVideosConfig(**parameters)
    sdk_image = types.Image(image_bytes=base64.b64decode(image["bytesBase64Encoded"]), mime_type=image["mimeType"]) \
        if image else None
    try:
        return await client.models.generate_videos(model=model, prompt=prompt, image=sdk_image, config=config)
    except ValueError as exc:
        if "only supported in" not in str(exc):
            raise
    names = {"duration_seconds": "durationSeconds", "aspect_ratio": "aspectRatio", "resolution": "resolution",
             "negative_prompt": "negativePrompt", "seed": "seed"}
    instance = {"prompt": prompt, **({"image": image} if image else {})}
    body = {"instances": [instance], "parameters": {names[k]: v for k, v in parameters.items()}}
    resp = await proxy.post(f"/v1beta/models/{model}:predictLongRunning", json=body,
                            headers={"x-goog-api-key": CLIENT_KEY})
    reply = await resp.json()
    if resp.status != 200:
        raise errors.ClientError(resp.status, reply)
    return types.GenerateVideosOperation(name=reply["name"])


async def wait_done(client, operation):
    for _ in range(100):
        if operation.done:
            return operation
        await asyncio.sleep(0.1)
        operation = await client.operations.get(operation)
    raise AssertionError("the operation did not finish")


async def test_video_operation_get_and_files_download(client, proxy, emulator):
    operation = await start_video(client, proxy, VIDEO, "A cat playing with a ball", duration_seconds=6,
                                  aspect_ratio="9:16", negative_prompt="cartoon")
    assert operation.name.startswith(f"models/{VIDEO}/operations/video_")
    operation = await wait_done(client, operation)
    assert operation.error is None
    [generated] = operation.response.generated_videos
    assert "/v1beta/files/" in generated.video.uri
    data = await client.files.download(file=generated.video)
    assert is_mp4(data) and mp4_duration(data) == pytest.approx(6, abs=0.5)
    [submit] = submits(emulator)
    assert submit.json["parameters"] == {"aspectRatio": "9:16", "durationSeconds": 6, "negativePrompt": "cartoon"}
    # The same job is visible through genproxy's Videos API.
    job_id = operation.name.rpartition("/")[2]
    resp = await proxy.get(f"/v1/videos/{job_id}", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    assert (await resp.json())["status"] == "completed"


async def test_video_from_a_first_frame(client, proxy, emulator):
    image = {"bytesBase64Encoded": PNG_1PX.partition(",")[2], "mimeType": "image/png"}
    operation = await wait_done(client, await start_video(client, proxy, VIDEO, "It jumps", image=image))
    assert operation.response.generated_videos
    assert submits(emulator)[0].json["instances"][0]["image"] == image


async def test_video_limits_checked_before_submitting(client, proxy, emulator):
    with pytest.raises(errors.ClientError) as caught:
        await start_video(client, proxy, VIDEO, "A cat", duration_seconds=5)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "4, 6, 8" in caught.value.message
    assert submits(emulator) == []


async def test_failed_video_is_an_operation_error(client, proxy):
    operation = await wait_done(client, await start_video(client, proxy, VIDEO, "A storm [emulate:operation-error]"))
    assert operation.error["code"] == 13
    assert "internal error" in operation.error["message"]


async def test_jobs_and_files_belong_to_the_key_that_made_them(make_proxy):
    proxy = await make_proxy(api_keys=[CLIENT_KEY, "another-key"])
    mine = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": str(proxy.make_url("/"))}).aio
    theirs = genai.Client(api_key="another-key", http_options={"base_url": str(proxy.make_url("/"))}).aio
    operation = await wait_done(mine, await start_video(mine, proxy, VIDEO, "mine"))
    video = operation.response.generated_videos[0].video
    with pytest.raises(errors.ClientError) as caught:
        await theirs.operations.get(operation)
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    with pytest.raises(errors.ClientError) as caught:
        await theirs.files.download(file=types.Video(uri=video.uri))
    assert caught.value.code == 404
    assert is_mp4(await mine.files.download(file=types.Video(uri=video.uri)))


@pytest.mark.parametrize("api_version", ["v1", "v1beta"])
async def test_models_list(proxy, api_version):
    # google-genai 3.x talks v1 by default, where GET /v1/models is OpenAI's list too: the caller's headers
    # pick the shape, so neither SDK gets an empty or foreign list.
    client = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": str(proxy.make_url("/")),
                                                            "api_version": api_version}).aio
    names = {model.name async for model in await client.models.list()}
    assert {f"models/{TEXT}", f"models/{IMAGE}", f"models/{VIDEO}"} <= names
    veo = await client.models.get(model=VIDEO)
    assert veo.supported_actions == ["predictLongRunning"]


async def test_default_client_talks_v1_for_everything(proxy, emulator):
    client = genai.Client(api_key=CLIENT_KEY, http_options={"base_url": str(proxy.make_url("/"))}).aio
    assert len([m async for m in await client.models.list()]) > 10
    reply = await client.models.generate_content(model=TEXT, contents="hello v1")
    assert reply.text == "Echo: hello v1"
    chunks = [c.text async for c in await client.models.generate_content_stream(model=TEXT, contents="streamed")]
    assert "".join(t or "" for t in chunks) == "Echo: streamed"
    # And OpenAI's clients still get OpenAI's list from the same URL.
    resp = await proxy.get("/v1/models", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    body = await resp.json()
    assert body["object"] == "list" and "models" not in body


async def test_errors_have_googles_shape(proxy, client, emulator):
    with pytest.raises(errors.ClientError) as caught:
        await client.models.generate_content(model="no-such-model", contents="hi")
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    assert "Known models" in caught.value.message
    with pytest.raises(errors.ClientError) as caught:
        await client.models.generate_content(model=TEXT, contents="hi [emulate:quota]")
    assert caught.value.code == 429 and caught.value.status == "RESOURCE_EXHAUSTED"
    wrong = genai.Client(api_key="wrong", http_options={"base_url": str(proxy.make_url("/"))}).aio
    with pytest.raises(errors.ClientError) as caught:
        await wrong.models.generate_content(model=TEXT, contents="hi")
    assert caught.value.code == 401
    with pytest.raises(errors.ClientError) as caught:
        await client.models.generate_content(model=VIDEO, contents="a video please")
    assert caught.value.code == 400 and "predictLongRunning" in caught.value.message


# ------------------------------------------------------------------ Vertex mode: models.generate_videos

def vertex_client(proxy, key: str = CLIENT_KEY):
    """Vertex "express mode": an API key (genproxy's client key) and genproxy as the base URL."""
    return genai.Client(vertexai=True, api_key=key, http_options={"base_url": str(proxy.make_url("/"))}).aio


@pytest.fixture(autouse=True)
def _no_google_cloud_environment(monkeypatch):
    # The SDK reads these in Vertex mode; a developer's own settings must not change what the tests send.
    for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_API_KEY", "GEMINI_API_KEY",
                 "GOOGLE_GENAI_API_VERSION", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)


async def vertex_video(client, model: str = VIDEO, prompt: str = "A cat playing with a ball", **config):
    return await client.models.generate_videos(model=model, source=types.GenerateVideosSource(prompt=prompt),
                                               config=types.GenerateVideosConfig(**config))


async def test_vertex_mode_generate_videos_returns_the_mp4_inline(proxy, emulator):
    client = vertex_client(proxy)
    operation = await vertex_video(client, duration_seconds=6, aspect_ratio="9:16", negative_prompt="cartoon")
    assert operation.name.startswith(f"publishers/google/models/{VIDEO}/operations/video_")
    operation = await wait_done(client, operation)
    assert operation.error is None
    [generated] = operation.response.generated_videos
    assert generated.video.mime_type == "video/mp4"
    data = generated.video.video_bytes
    assert is_mp4(data) and mp4_duration(data) == pytest.approx(6, abs=0.5)
    # The config went upstream (the Gemini API route of this model), and the SDK spoke Vertex's paths.
    [submit] = submits(emulator)
    assert submit.path == f"/v1beta/models/{VIDEO}:predictLongRunning"
    assert submit.json["parameters"] == {"aspectRatio": "9:16", "durationSeconds": 6, "negativePrompt": "cartoon"}
    assert submit.json["instances"] == [{"prompt": "A cat playing with a ball"}]
    # The same job, in genproxy's Videos API for the same key.
    job_id = operation.name.rpartition("/")[2]
    resp = await proxy.get("/v1/videos", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    [listed] = [v for v in (await resp.json())["data"] if v["id"] == job_id]
    assert listed["status"] == "completed" and listed["seconds"] == "6"
    content = await proxy.get(f"/v1/videos/{job_id}/content", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    assert await content.read() == data


async def test_vertex_mode_with_project_credentials_and_a_vertex_route(make_proxy, emulator, tmp_path):
    """project/location plus a credentials object: the key goes as a Bearer token, the paths get a
    projects/{p}/locations/{l}/ prefix; model "vertex/..." is genproxy's Vertex route."""
    token_file(tmp_path / "auth", access_token="ya29.genproxy-vertex", project_id="ccs-project")
    proxy = await make_proxy(vertex_project=None)
    client = genai.Client(vertexai=True, project="my-project", location="us-central1",
                          credentials=Credentials(token=CLIENT_KEY),
                          http_options={"base_url": str(proxy.make_url("/"))}).aio
    image = types.Image(image_bytes=base64.b64decode(PNG_1PX.partition(",")[2]), mime_type="image/png")
    operation = await client.models.generate_videos(
        model="vertex/veo-3.1-generate-001",
        source=types.GenerateVideosSource(prompt="It jumps", image=image),
        config=types.GenerateVideosConfig(duration_seconds=4, generate_audio=False, number_of_videos=2))
    assert operation.name.startswith(
        "projects/my-project/locations/us-central1/publishers/vertex/models/veo-3.1-generate-001/operations/video_")
    operation = await wait_done(client, operation)
    videos = [g.video.video_bytes for g in operation.response.generated_videos]
    assert len(videos) == 2 and all(is_mp4(v) and mp4_duration(v) == pytest.approx(4, abs=0.5) for v in videos)
    [submit] = submits(emulator)
    # genproxy's own Vertex project and token went upstream, not the client's.
    assert submit.path == "/v1/projects/ccs-project/locations/us-central1/publishers/google/models/" \
                          "veo-3.1-generate-001:predictLongRunning"
    assert submit.headers["Authorization"] == "Bearer ya29.genproxy-vertex"
    assert submit.json["parameters"]["sampleCount"] == 2
    assert submit.json["parameters"]["generateAudio"] is False
    assert submit.json["instances"][0]["image"] == {"bytesBase64Encoded": PNG_1PX.partition(",")[2],
                                                    "mimeType": "image/png"}


async def test_vertex_mode_limits_checked_before_submitting(proxy, emulator):
    with pytest.raises(errors.ClientError) as caught:
        await vertex_video(vertex_client(proxy), duration_seconds=5)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "4, 6, 8" in caught.value.message
    assert submits(emulator) == []


async def test_vertex_mode_failed_video_is_an_operation_error(proxy):
    client = vertex_client(proxy)
    operation = await wait_done(client, await vertex_video(client, prompt="A storm [emulate:operation-error]"))
    assert operation.error["code"] == 13 and "internal error" in operation.error["message"]
    assert operation.response is None


async def test_vertex_mode_keys(make_proxy, emulator):
    proxy = await make_proxy(api_keys=[CLIENT_KEY, "another-key"])
    mine = vertex_client(proxy)
    operation = await wait_done(mine, await vertex_video(mine, prompt="mine"))
    # Another key cannot see the operation (nor its video); a wrong key cannot start one.
    with pytest.raises(errors.ClientError) as caught:
        await vertex_client(proxy, "another-key").operations.get(operation)
    assert caught.value.code == 404 and caught.value.status == "NOT_FOUND"
    with pytest.raises(errors.ClientError) as caught:
        await vertex_video(vertex_client(proxy, "wrong"), prompt="theirs")
    assert caught.value.code == 401
    assert len(submits(emulator)) == 1
    assert is_mp4((await mine.operations.get(operation)).response.generated_videos[0].video.video_bytes)


async def test_extending_from_video_bytes_is_refused_not_dropped(proxy, emulator):
    body = {"instances": [{"prompt": "The cat keeps playing", "video": {"bytesBase64Encoded": "AAAA"}}]}
    resp = await proxy.post("/v1beta/models/veo-3.1-generate-preview:predictLongRunning", json=body,
                            headers={"x-goog-api-key": CLIENT_KEY})
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "uri" in error["message"]
    assert submits(emulator) == []


async def test_extending_names_genproxys_own_file_url_and_google_gets_its_files_uri(client, proxy, emulator):
    operation = await wait_done(client, await start_video(client, proxy, VIDEO, "A cat", resolution="720p",
                                                          duration_seconds=8))
    own_url = operation.response.generated_videos[0].video.uri
    assert own_url.startswith(str(proxy.make_url("/")).rstrip("/")), "the SDK sees genproxy's own file URL"
    body = {"instances": [{"prompt": "it keeps running", "video": {"uri": own_url}}],
            "parameters": {"resolution": "720p", "durationSeconds": 8}}
    resp = await proxy.post(f"/v1beta/models/{VIDEO}:predictLongRunning", json=body,
                            headers={"x-goog-api-key": CLIENT_KEY})
    assert resp.status == 200, await resp.text()
    extension = submits(emulator)[-1].json["instances"][0]["video"]
    assert extension == {"uri": extension["uri"]} and "/v1beta/files/" in extension["uri"], extension
    assert extension["uri"].startswith(emulator.base_url), "Google gets its own Files URI back, not genproxy's URL"

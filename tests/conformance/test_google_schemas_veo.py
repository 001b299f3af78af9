"""Veo against Google's own definitions, on real traffic: every predictLongRunning body genproxy sends, every
fetchPredictOperation body, and every operation the emulator answers (pending, with videos, failed, RAI
filtered), on the Gemini API (v1beta protos: PredictLongRunningRequest, google.longrunning.Operation holding a
PredictLongRunningResponse) and on Vertex AI (aiplatform.v1 discovery document: PredictLongRunningRequest,
FetchPredictOperationRequest, GoogleLongrunningOperation holding cloud.ai.large_models.vision.
GenerateVideoResponse). Inside ``instances``/``parameters`` (typed ``Value`` there) Google's Veo API reference
decides (tests/conformance/google_schemas.py VEO_SCHEMAS).
"""
from __future__ import annotations

import copy

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")
pytest.importorskip("googleapiclient")
from tests.conformance.google_schemas import (
    discovery_problems,
    gemini_operation_problems,
    veo_request_problems,
    veo_traffic_problems,
)
from tests.support import AUTH
from tests.upstreams.conftest import token_file
from tests.video.helpers import PNG_1PX, submits, video_request

URL = "/v1/chat/completions"
PNG_B64 = PNG_1PX.partition(",")[2]


@pytest.fixture
def emulator_operation_delay() -> float:
    return 0.8  # long enough for genproxy to see (and the check to read) pending operations


@pytest.fixture
async def emulator(make_emulator):
    return await make_emulator(record_answers=True)


def with_image(body: dict, text: str) -> dict:
    body["messages"][0]["content"] = [{"type": "text", "text": text},
                                      {"type": "image_url", "image_url": {"url": PNG_1PX}}]
    return body


async def post_ok(proxy, body: dict) -> dict:
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def post_fails(proxy, body: dict, status: int) -> None:
    resp = await proxy.post(URL, json=body, headers=AUTH)
    assert resp.status == status, await resp.text()


def assert_valid(emulator, submitted: int) -> dict[str, int]:
    problems, seen = veo_traffic_problems(emulator.state.requests)
    assert problems == []
    assert len(submits(emulator)) == submitted
    return seen


async def test_veo_on_the_gemini_api_validates_against_the_v1beta_protos(proxy, emulator):
    first = await post_ok(proxy, video_request(person_generation="allow_all", enhance_prompt=True))
    await post_ok(proxy, with_image(video_request(last_frame={"url": PNG_1PX}, person_generation="allow_adult"),
                                    "The cat jumps"))
    await post_ok(proxy, video_request("The cat again", reference_images=[PNG_1PX] * 3))
    extend = video_request("The cat keeps playing")
    extend["messages"][0]["content"] = [{"type": "text", "text": "The cat keeps playing"}, {
        "type": "video_url", "video_url": {"url": first["choices"][0]["message"]["videos"][0]["file_uri"]}}]
    await post_ok(proxy, extend)
    await post_fails(proxy, video_request("A cat [emulate:operation-error]"), 502)
    await post_fails(proxy, video_request("A cat [emulate:safety]"), 400)
    seen = assert_valid(emulator, submitted=6)
    assert seen["gemini request"] == 6 and seen["videos"] == 4 and seen["failed"] == 1 and seen["filtered"] == 1
    assert seen.get("pending", 0) >= 1, seen
    instances = [s.json["instances"][0] for s in submits(emulator)]
    assert {"image", "lastFrame"} <= set(instances[1]) and "referenceImages" in instances[2]
    assert "video" in instances[3]


@pytest.fixture
async def vertex_proxy(make_proxy, tmp_path):
    token_file(tmp_path / "auth", access_token="ya29.schemas", project_id="ccs-project")
    return await make_proxy(gemini_api_keys=[], vertex_project=None)


async def test_veo_on_vertex_validates_against_the_discovery_document(vertex_proxy, emulator):
    model = "vertex/veo-3.1-generate-001"
    first = await post_ok(vertex_proxy, video_request(
        model=model, generate_audio=False, seed=7, fps=24, compression_quality="optimized", number_of_videos=2,
        person_generation="dont_allow"))
    await post_ok(vertex_proxy, with_image(video_request(
        "The cat jumps", model=model, last_frame={"url": PNG_1PX}, person_generation="allow_adult",
        resize_mode="crop"), "The cat jumps"))
    await post_ok(vertex_proxy, video_request("The cat again", model=model, compression_quality="lossless",
                                              reference_images=[PNG_1PX, {"url": PNG_1PX, "reference_type": "asset"}]))
    job = first["choices"][0]["message"]["videos"][0]["job_id"]
    await post_ok(vertex_proxy, video_request("The cat keeps playing", model=model, video=job))
    await post_fails(vertex_proxy, video_request("A cat [emulate:operation-error]", model=model), 502)
    await post_fails(vertex_proxy, video_request("A cat [emulate:safety]", model=model), 400)
    seen = assert_valid(emulator, submitted=6)
    assert seen["vertex request"] >= 12 and seen["videos"] == 4 and seen["failed"] == 1 and seen["filtered"] == 1
    assert seen.get("pending", 0) >= 1, seen
    instances = [s.json["instances"][0] for s in submits(emulator)]
    assert {"image", "lastFrame"} <= set(instances[1]) and "referenceImages" in instances[2]
    assert "bytesBase64Encoded" in instances[3]["video"]
    parameters = submits(emulator)[0].json["parameters"]
    assert {"generateAudio", "seed", "fps", "compressionQuality", "sampleCount", "personGeneration"} <= set(parameters)


# ------------------------------------------------------------------ the checks can fail

GEMINI_BODY = {"instances": [{"prompt": "a cat", "image": {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"},
                              "referenceImages": [{"image": {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"},
                                                   "referenceType": "asset"}],
                              "video": {"uri": "https://generativelanguage.googleapis.com/v1beta/files/a:download"}}],
               "parameters": {"durationSeconds": 8, "personGeneration": "allow_adult", "aspectRatio": "16:9"}}
VERTEX_BODY = {"instances": [{"prompt": "a cat", "image": {"gcsUri": "gs://b/cat.png", "mimeType": "image/png"},
                              "video": {"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"},
                              "referenceImages": [{"image": {"bytesBase64Encoded": PNG_B64, "mimeType": "image/png"},
                                                   "referenceType": "ASSET"}]}],
               "parameters": {"durationSeconds": 8, "compressionQuality": "OPTIMIZED", "resizeMode": "pad",
                              "generateAudio": True, "sampleCount": 2, "seed": 1}}
GEMINI_OPERATION = {"name": "models/veo/operations/a", "done": True, "response": {
    "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
    "generateVideoResponse": {"generatedSamples": [{"video": {"uri": "https://x/v1beta/files/a:download"}}],
                              "raiMediaFilteredCount": 0, "raiMediaFilteredReasons": []}}}
VERTEX_OPERATION = {"name": "projects/p/locations/l/publishers/google/models/veo/operations/a", "done": True,
                    "response": {"@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                                 "videos": [{"bytesBase64Encoded": "AAAA", "mimeType": "video/mp4"}],
                                 "raiMediaFilteredCount": 0}}


def _set(body: dict, path: tuple, value) -> dict:
    body = copy.deepcopy(body)
    node = body
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return body


def _rename(body: dict, path: tuple, new: str) -> dict:
    node = copy.deepcopy(body)
    parent = node
    for key in path[:-1]:
        parent = parent[key]
    parent[new] = parent.pop(path[-1])
    return node


INST = ("instances", 0)
WRONG_REQUESTS = [  # (api, body): each one wrong in one name, casing or value
    ("gemini", _rename(GEMINI_BODY, ("parameters", "durationSeconds"), "duration_seconds")),
    ("gemini", {**GEMINI_BODY, "instances": [{**GEMINI_BODY["instances"][0], "video": {"uri": 5}}]}),
    ("gemini", _rename(GEMINI_BODY, (*INST, "referenceImages"), "reference_images")),
    ("gemini", _set(GEMINI_BODY, (*INST, "referenceImages", 0, "referenceType"), "Asset")),
    ("gemini", _set(GEMINI_BODY, (*INST, "referenceImages", 0, "referenceType"), "style")),  # Vertex only
    ("gemini", _set(GEMINI_BODY, ("parameters", "personGeneration"), "ALLOW_ADULT")),
    ("gemini", _set(GEMINI_BODY, ("parameters", "durationSeconds"), "8")),
    ("gemini", _set(GEMINI_BODY, ("parameters", "generateAudio"), True)),  # a Vertex parameter
    ("gemini", _set(GEMINI_BODY, (*INST, "image", "gcsUri"), "gs://b/x.png")),  # bytes only on the Gemini API
    ("gemini", _set(GEMINI_BODY, (*INST, "video", "mimeType"), "video/mp4")),  # v1beta Video: uri, video
    ("gemini", _set(GEMINI_BODY, ("model",), 7)),  # the envelope, by the protos
    ("vertex", _rename(VERTEX_BODY, (*INST, "image", "mimeType"), "mime_type")),
    ("vertex", _rename(VERTEX_BODY, (*INST, "video", "bytesBase64Encoded"), "bytesBase64encoded")),
    ("vertex", _set(VERTEX_BODY, ("parameters", "compressionQuality"), "Optimized")),
    ("vertex", _set(VERTEX_BODY, ("parameters", "resizeMode"), "fill")),
    ("vertex", _set(VERTEX_BODY, ("parameters", "sampleCount"), 2.5)),
    ("vertex", _set(VERTEX_BODY, ("labels",), {"team": 7})),  # the envelope, by the discovery document
    ("vertex", {**VERTEX_BODY, "instances": VERTEX_BODY["instances"] * 2}),
]


@pytest.mark.parametrize("api,body", [("gemini", GEMINI_BODY), ("vertex", VERTEX_BODY)])
def test_the_request_check_passes_googles_own_spellings(api, body):
    assert veo_request_problems(body, api) == []


@pytest.mark.parametrize("api,body", WRONG_REQUESTS)
def test_the_request_check_fails_a_wrong_name_casing_or_value(api, body):
    assert veo_request_problems(body, api) != []


SAMPLE = ("response", "generateVideoResponse", "generatedSamples", 0, "video")
WRONG_GEMINI_OPERATIONS = [
    _set(GEMINI_OPERATION, (*SAMPLE, "mimeType"), "video/mp4"),
    _rename(GEMINI_OPERATION, ("response", "generateVideoResponse"), "generate_video_response"),
    _set(GEMINI_OPERATION, ("response", "@type"), KeyError),
    {"name": "models/veo/operations/a", "done": False, "metadata": {"progressPercent": 40}},
    _set(GEMINI_OPERATION, ("response", "generateVideoResponse", "raiMediaFilteredCount"), 0.5),
]
WRONG_VERTEX_OPERATIONS = [
    _rename(VERTEX_OPERATION, ("response", "videos", 0, "mimeType"), "mimetype"),
    _set(VERTEX_OPERATION, ("response", "@type"), KeyError),
    _set(VERTEX_OPERATION, ("response", "videos", 0, "uri"), "gs://b/x.mp4"),
    _rename(VERTEX_OPERATION, ("response", "raiMediaFilteredCount"), "rai_media_filtered_count"),
    {**VERTEX_OPERATION, "error": {"code": "13", "message": "x"}},
]


def test_the_operation_checks_pass_googles_own_shapes():
    assert gemini_operation_problems(GEMINI_OPERATION) is None
    assert discovery_problems("GoogleLongrunningOperation", VERTEX_OPERATION) == []


@pytest.mark.parametrize("operation", WRONG_GEMINI_OPERATIONS)
def test_the_gemini_operation_check_fails_a_wrong_name_or_type(operation):
    assert gemini_operation_problems(operation) is not None


@pytest.mark.parametrize("operation", WRONG_VERTEX_OPERATIONS)
def test_the_vertex_operation_check_fails_a_wrong_name_or_type(operation):
    assert discovery_problems("GoogleLongrunningOperation", operation) != []

"""Google's own SDK as the oracle: the body genproxy sends upstream equals the body google-genai sends.

Each case makes one request through genproxy (openai SDK) and the same request through google-genai
straight to the emulator, then compares the two bodies the emulator recorded. A difference in
substance is a translation bug in the plugins; only differences that cannot matter to Google are
normalised, each with its reason.
"""
from __future__ import annotations

import base64
import json
from typing import Any

import openai
import pytest
from google import genai
from google.genai import types

from proxy.emulator.veo_models import VEO_MODELS, VERTEX_VEO_MODELS
from tests.support import CLIENT_KEY, UPSTREAM_KEY
from tests.video.helpers import PNG_1PX

# google-genai warns about its own deprecations.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TEXT_MODELS = ("gemini-3-flash-preview", "gemini-3.1-pro-preview")
IMAGE_MODELS = ("gemini-3.1-flash-image", "gemini-3-pro-image")
# Gemini API id -> the Vertex AI id of the same model (genproxy's route "vertex/<gemini id>").
VIDEO_MODELS = {"veo-3.1-generate-preview": "veo-3.1-generate-001",
                "veo-3.1-fast-generate-preview": "veo-3.1-fast-generate-001",
                "veo-3.1-lite-generate-preview": "veo-3.1-lite-generate-001",
                "veo-3.0-generate-001": "veo-3.0-generate-001"}


@pytest.fixture
def emulator_operation_delay() -> float:
    return 0


@pytest.fixture
def routes_file(tmp_path):
    """This test's own routes (current ids), so a rewrite of the shipped catalog does not change it."""
    routes = [{"model": m, "modality": "text", "upstream": "gemini"} for m in TEXT_MODELS]
    routes += [{"model": m, "modality": "image", "upstream": "gemini"} for m in IMAGE_MODELS]
    routes += [{"model": m, "modality": "video", "upstream": "gemini"} for m in VIDEO_MODELS]
    routes += [{"model": f"vertex/{m}", "modality": "video", "upstream": "vertex", "target": v}
               for m, v in VIDEO_MODELS.items()]
    path = tmp_path / "routes.yaml"
    path.write_text(json.dumps({"routes": routes}))  # JSON is YAML
    return path


@pytest.fixture
async def openai_client(proxy):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def google(emulator):
    """google-genai on the Gemini API, pointed straight at the emulator."""
    # v1beta, as genproxy: google-genai 3.x defaults to v1, which lacks preview fields.
    options = types.HttpOptions(base_url=emulator.base_url, api_version="v1beta")
    return genai.Client(api_key=UPSTREAM_KEY, http_options=options).aio


def recorded(emulator, suffix: str) -> list[Any]:
    return [r.json for r in emulator.state.requests if r.path.endswith(suffix)]


# Values that are the caller's own data (JSON Schemas, function arguments and results): compared as they are.
OPAQUE = {"parametersJsonSchema", "responseJsonSchema", "args", "response"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def normalise(body: Any) -> Any:
    """What Google reads from a body, for comparing two of them.

    - Field names in camelCase: google-genai 3.x sends some nested fields in snake_case
      (``parameters_json_schema``, ``thinking_level``, ``mime_type``); Google's JSON parser takes
      both spellings of every proto field, so they are the same request. Caller data (OPAQUE) is
      left as it is.
    - ``systemInstruction.role``: google-genai labels the system instruction ``"user"``; Google
      ignores the role of a system instruction.
    - An empty ``generationConfig``: google-genai sends ``{}`` when a config has only non-generation
      fields; absent and empty are the same defaults.
    Key order never matters (dicts compare unordered).
    """
    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            name = _camel(key)
            out[name] = item if name in OPAQUE else walk(item)
        return out

    out = walk(body)
    if isinstance(out.get("systemInstruction"), dict):
        out["systemInstruction"].pop("role", None)
    if out.get("generationConfig") == {}:
        del out["generationConfig"]
    return out


PNG_BYTES = base64.b64decode(PNG_1PX.partition(",")[2])
WEATHER = {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                                            "unit": {"type": "string", "enum": ["c", "f"]}},
           "required": ["city"], "additionalProperties": False}
ANSWER = {"type": "object", "properties": {"answer": {"type": "string"}, "score": {"type": "number"}},
          "required": ["answer", "score"], "additionalProperties": False}


def _tools_openai() -> list[dict]:
    return [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                              "parameters": WEATHER}},
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]


def _tools_genai() -> list[types.Tool]:
    return [types.Tool(function_declarations=[
        types.FunctionDeclaration(name="get_weather", description="Weather of a city", parameters_json_schema=WEATHER),
        types.FunctionDeclaration(name="get_time", parameters_json_schema={"type": "object", "properties": {}})])]


# (id, openai keyword arguments, google-genai (contents, config))
TEXT_CASES = [
    ("plain", dict(messages=[{"role": "user", "content": "hello there"}]),
     ("hello there", None)),
    ("system-and-turns", dict(messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "question"}]}]),
     ([types.Content(role="user", parts=[types.Part(text="first question")]),
       types.Content(role="model", parts=[types.Part(text="first answer")]),
       types.Content(role="user", parts=[types.Part(text="second"), types.Part(text="question")])],
      types.GenerateContentConfig(system_instruction="Be brief."))),
    ("sampling", dict(messages=[{"role": "user", "content": "sample"}], temperature=0.3, top_p=0.9,
                      max_tokens=256, stop=["END", "STOP"]),
     ("sample", types.GenerateContentConfig(temperature=0.3, top_p=0.9, max_output_tokens=256,
                                            stop_sequences=["END", "STOP"]))),
    ("penalties-n-seed", dict(messages=[{"role": "developer", "content": "Answer in French."},
                                        {"role": "user", "content": "sample"}],
                              presence_penalty=0.5, frequency_penalty=-0.5, n=2, seed=7, max_completion_tokens=64),
     ("sample", types.GenerateContentConfig(system_instruction="Answer in French.", presence_penalty=0.5,
                                            frequency_penalty=-0.5, candidate_count=2, seed=7,
                                            max_output_tokens=64))),
    ("tools-required", dict(messages=[{"role": "user", "content": "weather?"}], tools=_tools_openai(),
                            tool_choice="required"),
     ("weather?", types.GenerateContentConfig(
         tools=_tools_genai(), automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
         tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY"))))),
    ("tools-auto", dict(messages=[{"role": "user", "content": "weather?"}], tools=_tools_openai(), tool_choice="auto"),
     ("weather?", types.GenerateContentConfig(
         tools=_tools_genai(), automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
         tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="AUTO"))))),
    ("tool-choice-named", dict(messages=[{"role": "user", "content": "weather?"}], tools=_tools_openai(),
                               tool_choice={"type": "function", "function": {"name": "get_weather"}}),
     ("weather?", types.GenerateContentConfig(
         tools=_tools_genai(), automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
         tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(
             mode="ANY", allowed_function_names=["get_weather"]))))),
    ("json-object", dict(messages=[{"role": "user", "content": "json please"}],
                         response_format={"type": "json_object"}),
     ("json please", types.GenerateContentConfig(response_mime_type="application/json"))),
    ("json-schema", dict(messages=[{"role": "user", "content": "json please"}],
                         response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": ANSWER,
                                                                                  "strict": True}}),
     ("json please", types.GenerateContentConfig(response_mime_type="application/json",
                                                 response_json_schema=ANSWER))),
    ("reasoning-low", dict(messages=[{"role": "user", "content": "think a little"}], reasoning_effort="low"),
     ("think a little", types.GenerateContentConfig(thinking_config=types.ThinkingConfig(
         thinking_level="LOW", include_thoughts=True)))),
    ("reasoning-high", dict(messages=[{"role": "user", "content": "think hard"}], reasoning_effort="high"),
     ("think hard", types.GenerateContentConfig(thinking_config=types.ThinkingConfig(
         thinking_level="HIGH", include_thoughts=True)))),
    ("image-in", dict(messages=[{"role": "user", "content": [
        {"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": PNG_1PX}}]}]),
     ([types.Content(role="user", parts=[types.Part(text="what is this?"),
                                         types.Part.from_bytes(data=PNG_BYTES, mime_type="image/png")])], None)),
    ("tool-round-trip", dict(messages=[
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            "extra_content": {"google": {"thought_signature": "c2lnLTE="}}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 21}'}], tools=_tools_openai()),
     ([types.Content(role="user", parts=[types.Part(text="weather in Paris?")]),
       types.Content(role="model", parts=[types.Part(
           function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"}),
           thought_signature=base64.b64decode("c2lnLTE="))]),
       types.Content(role="user", parts=[types.Part.from_function_response(name="get_weather",
                                                                           response={"temp_c": 21})])],
      types.GenerateContentConfig(tools=_tools_genai(),
                                  automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)))),
]


@pytest.mark.parametrize("model", TEXT_MODELS)
async def test_text_request_bodies_match_google_genai(openai_client, google, emulator, model):
    """All cases on one proxy (a proxy per case would triple the time); the failure names the cases."""
    differ = {}
    for name, openai_kwargs, (contents, config) in TEXT_CASES:
        emulator.state.requests.clear()
        await openai_client.chat.completions.create(model=model, **openai_kwargs)
        await google.models.generate_content(model=model, contents=contents, config=config)
        ours, theirs = (normalise(b) for b in recorded(emulator, f"/models/{model}:generateContent"))
        if ours != theirs:
            differ[name] = {"genproxy": ours, "google-genai": theirs}
    assert not differ, json.dumps(differ, indent=1)[:4000]


@pytest.mark.parametrize("model", TEXT_MODELS[:1])
async def test_streamed_request_body_matches_google_genai(openai_client, google, emulator, model):
    stream = await openai_client.chat.completions.create(
        model=model, stream=True, messages=[{"role": "system", "content": "Be brief."},
                                            {"role": "user", "content": "stream me"}], temperature=0.5)
    async for _ in stream:
        pass
    async for _ in await google.models.generate_content_stream(
            model=model, contents="stream me",
            config=types.GenerateContentConfig(system_instruction="Be brief.", temperature=0.5)):
        pass
    ours, theirs = [r for r in emulator.state.requests if r.path.endswith(f"/models/{model}:streamGenerateContent")]
    assert normalise(ours.json) == normalise(theirs.json)
    assert ours.query.get("alt") == theirs.query.get("alt") == "sse"


# ------------------------------------------------------------------ images

# Every combination genproxy's image plugin accepts (plugins/image.py ASPECT_RATIOS x IMAGE_SIZES).
IMAGE_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = ("1K", "2K", "4K")


def _image_cases() -> list[tuple[dict | None, list[str] | None]]:
    """(image_config, modalities) pairs: every ratio x size, no config at all, and image-only output."""
    cases: list[tuple[dict | None, list[str] | None]] = [
        ({"aspect_ratio": r, "image_size": s}, None) for r in IMAGE_RATIOS for s in IMAGE_SIZES]
    cases += [(None, None), ({"aspect_ratio": "16:9"}, None), ({"image_size": "2K"}, ["image"])]
    return cases


@pytest.mark.parametrize("model", IMAGE_MODELS)
async def test_image_config_bodies_match_google_genai(openai_client, google, emulator, model):
    """All combinations in one test (one proxy), so the suite stays fast; the message names the case."""
    for image_config, modalities in _image_cases():
        emulator.state.requests.clear()
        extra: dict[str, Any] = {"modalities": modalities or ["image", "text"]}
        if image_config:
            extra["image_config"] = image_config
        await openai_client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "A cute cat"}], extra_body=extra)
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE"] if modalities == ["image"] else ["TEXT", "IMAGE"],
            image_config=types.ImageConfig(**image_config) if image_config else None)
        await google.models.generate_content(model=model, contents="A cute cat", config=config)
        ours, theirs = recorded(emulator, f"/models/{model}:generateContent")
        assert normalise(ours) == normalise(theirs), (image_config, modalities)


async def test_images_api_body_matches_google_genai(proxy, google, emulator):
    """POST /v1/images/generations: size 1536x1024 is the 3:2 aspect ratio."""
    model = IMAGE_MODELS[0]
    resp = await proxy.post("/v1/images/generations", json={"model": model, "prompt": "A cute cat",
                                                              "size": "1536x1024"},
                            headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    assert resp.status == 200, await resp.text()
    await google.models.generate_content(model=model, contents="A cute cat", config=types.GenerateContentConfig(
        response_modalities=["TEXT", "IMAGE"], image_config=types.ImageConfig(aspect_ratio="3:2")))
    ours, theirs = recorded(emulator, f"/models/{model}:generateContent")
    assert normalise(ours) == normalise(theirs)


# ------------------------------------------------------------------ video
#
# google-genai 3.x builds Veo requests in Vertex mode only (models.generate_videos raises "only supported
# in Gemini Enterprise Agent Platform mode" on the Gemini API), so its Vertex body is the oracle for both:
# - Vertex routes: equal to it as it is;
# - Gemini API routes: equal to it too, since the two share the predictLongRunning schema for every
#   field genproxy sends there (google-genai 2.x's _GenerateVideosConfig_to_mldev mapped duration,
#   aspect ratio, resolution, negative prompt, person generation and the images to the same names as
#   _to_vertex, and refused the Vertex-only ones, which these cases therefore do not set).
# Every combination is tried; genproxy either refuses it with a 400 before sending anything (its model
# limits) or sends exactly what google-genai sends. At least the combinations every model takes must
# go through, so the test cannot pass by refusing everything.

DURATIONS = (4, 6, 8)
VIDEO_RATIOS = ("16:9", "9:16")
RESOLUTIONS = ("720p", "1080p", "4k")
ALWAYS_ACCEPTED = {(8, "16:9", "720p"), (8, "9:16", "720p")}
VERTEX_PROJECT = "oracle-project"  # google-genai's, so its requests are told apart from genproxy's


@pytest.fixture
def google_vertex(emulator):
    from google.oauth2.credentials import Credentials

    options = types.HttpOptions(base_url=emulator.base_url, api_version="v1")
    return genai.Client(vertexai=True, project=VERTEX_PROJECT, location="us-central1",
                        credentials=Credentials(token="ya29.oracle"), http_options=options).aio


@pytest.fixture
async def video_proxy(make_proxy, tmp_path):
    """API key for the Gemini API routes, a CCS token file for the Vertex ones."""
    from tests.upstreams.conftest import token_file

    token_file(tmp_path / "auth", access_token="ya29.genproxy", project_id="emu-project")
    return await make_proxy(poll_initial_delay=0)  # the operations finish at once (emulator_operation_delay)


def _submits(emulator, sdk: bool) -> list[Any]:
    return [r.json for r in emulator.state.requests if r.path.endswith(":predictLongRunning")
            and (f"/projects/{VERTEX_PROJECT}/" in r.path) == sdk]


async def _oracle_video(google_vertex, model: str, prompt: str, config: types.GenerateVideosConfig,
                        image: types.Image | None, vertex: bool) -> None:
    try:
        await google_vertex.models.generate_videos(model=model, prompt=prompt, image=image, config=config)
    except genai.errors.APIError as exc:
        # For a Gemini API route only the body google-genai builds counts: Vertex's own rules may refuse
        # it. For a Vertex route any refusal but an id the
        # emulator does not serve means the emulator refuses Google's own SDK: a defect.
        assert not vertex or exc.code == 404, exc


async def _compare_video(video_proxy, google_vertex, emulator, model: str, sdk_model: str, vertex: bool,
                         video_config: dict, sdk_config: dict, image: str | None = None) -> bool:
    """True when genproxy sent the request (and it matched), False when it refused it with a 400."""
    emulator.state.requests.clear()
    content: Any = "A cat playing with a ball"
    if image:
        content = [{"type": "text", "text": content}, {"type": "image_url", "image_url": {"url": image}}]
    resp = await video_proxy.post("/v1/chat/completions", headers={"Authorization": f"Bearer {CLIENT_KEY}"}, json={
        "model": model, "messages": [{"role": "user", "content": content}], "modalities": ["video", "text"],
        "video_config": video_config})
    ours = _submits(emulator, sdk=False)
    if not ours:
        assert resp.status == 400, (video_config, resp.status, await resp.text())
        return False
    if sdk_model in (VERTEX_VEO_MODELS if vertex else VEO_MODELS):  # ids the emulator serves
        assert resp.status == 200, (model, video_config, await resp.text())
    sdk_image = types.Image(image_bytes=base64.b64decode(image.partition(",")[2]), mime_type="image/png") \
        if image else None
    await _oracle_video(google_vertex, sdk_model, "A cat playing with a ball",
                        types.GenerateVideosConfig(**sdk_config), sdk_image, vertex)
    [sent], [theirs] = ours, _submits(emulator, sdk=True)
    assert normalise(sent) == normalise(theirs), (model, video_config)
    return True


@pytest.mark.parametrize("vertex", [False, True], ids=["gemini-api", "vertex"])
@pytest.mark.parametrize("model", list(VIDEO_MODELS))
async def test_video_config_bodies_match_google_genai(video_proxy, google_vertex, emulator, model, vertex):
    route, sdk_model = (f"vertex/{model}", VIDEO_MODELS[model]) if vertex else (model, model)
    accepted = set()
    for duration in DURATIONS:
        for ratio in VIDEO_RATIOS:
            for resolution in RESOLUTIONS:
                config = {"duration_seconds": duration, "aspect_ratio": ratio, "resolution": resolution}
                if await _compare_video(video_proxy, google_vertex, emulator, route, sdk_model, vertex,
                                        config, config):
                    accepted.add((duration, ratio, resolution))
    assert accepted >= ALWAYS_ACCEPTED
    # The other fields, each once, on a combination every model takes: must go through unless noted.
    base = {"duration_seconds": 8, "aspect_ratio": "16:9", "resolution": "720p"}
    png = types.Image(image_bytes=PNG_BYTES, mime_type="image/png")
    veo_31 = model.startswith("veo-3.1")
    # Veo 3.1 Lite takes first and last frames but no reference images (plugins/veo/limits.py).
    references = veo_31 and "-lite-" not in model
    cases = [  # (video_config, google-genai config, first frame, must be accepted)
        ({"negative_prompt": "cartoon, low quality"}, {"negative_prompt": "cartoon, low quality"}, None, True),
        # Text-to-video: the Gemini API takes only allow_all for Veo 3, Vertex allow_adult / dont_allow.
        (people := {"person_generation": "allow_adult" if vertex else "allow_all"}, people, None, True),
        ({"enhance_prompt": True}, {"enhance_prompt": True}, None, True),
        ({"person_generation": "allow_adult"}, {"person_generation": "allow_adult"}, PNG_1PX, True),
        ({"last_frame": PNG_1PX}, {"last_frame": png}, PNG_1PX, veo_31),
        ({"reference_images": [{"url": PNG_1PX, "reference_type": "asset"}]},
         {"reference_images": [types.VideoGenerationReferenceImage(image=png, reference_type="ASSET")]}, None, references),
        ({"number_of_videos": 2}, {"number_of_videos": 2}, None, vertex),
    ]
    for extra, sdk_extra, image, must in cases:
        sent = await _compare_video(video_proxy, google_vertex, emulator, route, sdk_model, vertex,
                                    {**base, **extra}, {**base, **sdk_extra}, image)
        assert sent or not must, extra

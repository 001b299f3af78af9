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

from tests.support import CLIENT_KEY, UPSTREAM_KEY
from tests.video.helpers import PNG_1PX

# google-genai warns about its own deprecations.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TEXT_MODELS = ("gemini-3-flash-preview", "gemini-3.1-pro-preview")
IMAGE_MODELS = ("gemini-3.1-flash-image", "gemini-3-pro-image")


@pytest.fixture
def emulator_operation_delay() -> float:
    return 0


@pytest.fixture
def routes_file(tmp_path):
    """This test's own routes (current ids), so a rewrite of the shipped catalog does not change it."""
    routes = [{"model": m, "modality": "text", "upstream": "gemini"} for m in TEXT_MODELS]
    routes += [{"model": m, "modality": "image", "upstream": "gemini"} for m in IMAGE_MODELS]
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
@pytest.mark.parametrize("case", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
async def test_text_request_body_matches_google_genai(openai_client, google, emulator, model, case):
    _, openai_kwargs, (contents, config) = case
    await openai_client.chat.completions.create(model=model, **openai_kwargs)
    await google.models.generate_content(model=model, contents=contents, config=config)
    ours, theirs = recorded(emulator, f"/models/{model}:generateContent")
    assert normalise(ours) == normalise(theirs)


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

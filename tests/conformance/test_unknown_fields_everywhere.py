"""Issue 25.2 on every endpoint: a field no SDK defines is a 400 ``unknown_parameter`` in the caller's error shape,
naming the field and the closest known one, and nothing is sent to Google; every field the installed SDKs define
(and what real clients send besides) is accepted. Chat completions: tests/video/test_unknown_fields.py."""
from __future__ import annotations

import typing

import aiohttp
import anthropic
import openai
import pytest
from anthropic.types import message_count_tokens_params, message_create_params
from anthropic.types.beta import message_count_tokens_params as beta_count_params
from anthropic.types.beta import message_create_params as beta_create_params
from openai.types import image_generate_params, video_edit_params, video_extend_params, video_remix_params
from openai.types.audio import speech_create_params
from openai.types.responses import (
    response_create_params,
    response_format_text_json_schema_config_param,
    response_text_config_param,
)
from openai.types.shared_params import reasoning

from plugins.image import IMAGES_API_FIELDS
from proxy.handlers.anthropic import fields as anthropic_fields
from proxy.handlers.responses import fields as responses_fields
from proxy.handlers.speech import SpeechRequest
from proxy.handlers.video_edits import VideoEdit, VideoExtension
from proxy.handlers.videos import VideoRemix
from tests.support import AUTH, CLIENT_KEY, assert_openai_error

TEXT = "gemini-3-flash-preview"
TTS = "gemini-3.8-flash-tts"
MESSAGES = {"model": TEXT, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
RESPONSES = {"model": TEXT, "input": "hi"}
SPEECH = {"model": TTS, "input": "Hello there.", "voice": "alloy"}
VIDEO_REF = {"prompt": "make it night", "video": {"id": "video_0123456789abcdef"}}


def calls(emulator) -> list:
    """What reached Google: every generation, count, upload and operation call is a POST."""
    return [r for r in emulator.state.requests if r.method == "POST"]


def fields_of(*typed_dicts) -> set[str]:
    """The keys of TypedDicts, their bases' included."""
    return {name for cls in typed_dicts for base in cls.__mro__ for name in getattr(base, "__annotations__", {})}


async def unknown_openai(resp, param: str, closest: str | None) -> str:
    text = await resp.text()
    assert resp.status == 400, text
    error = assert_openai_error(await resp.json(), code="unknown_parameter", param=param)
    if closest is not None:
        assert f"Did you mean '{closest}'?" in error["message"], error
    assert "Known parameters:" in error["message"], error
    return error["message"]


async def unknown_anthropic(resp, name: str, closest: str) -> str:
    text = await resp.text()
    assert resp.status == 400, text
    body = await resp.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    message = body["error"]["message"]
    assert f"'{name}'" in message and f"Did you mean '{closest}'?" in message, message
    return message


# ------------------------------------------------------------------ POST /v1/responses (OpenAI's shape)

@pytest.mark.parametrize("field, closest", [("instuctions", "instructions"), ("max_output_token", "max_output_tokens"),
                                            ("foo", None)])
async def test_responses_refuses_a_field_no_sdk_defines_and_lists_the_known_ones(proxy, emulator, field, closest):
    resp = await proxy.post("/v1/responses", json={**RESPONSES, field: "x"}, headers=AUTH)
    message = await unknown_openai(resp, field, closest)
    assert "previous_response_id" in message and "reasoning" in message
    assert calls(emulator) == []


@pytest.mark.parametrize("body, param, closest", [
    ({"reasoning": {"efort": "low"}}, "reasoning.efort", "effort"),
    ({"text": {"fromat": {"type": "text"}}}, "text.fromat", "format"),
    ({"text": {"format": {"type": "json_schema", "name": "x", "schmea": {"type": "object"}}}},
     "text.format.schmea", "schema"),
])
async def test_responses_names_the_nested_path_of_a_misspelled_key(proxy, emulator, body, param, closest):
    await unknown_openai(await proxy.post("/v1/responses", json={**RESPONSES, **body}, headers=AUTH), param, closest)
    assert calls(emulator) == []


async def test_responses_accepts_every_sdk_field_and_what_codex_sends(proxy, emulator):
    body = {**RESPONSES, "instructions": "Be brief.", "include": ["reasoning.encrypted_content"], "store": False,
            "metadata": {"a": "b"}, "user": "u", "safety_identifier": "s", "prompt_cache_key": "k",
            "prompt_cache_retention": "24h", "service_tier": "auto", "truncation": "auto", "parallel_tool_calls": True,
            "top_logprobs": 0, "max_tool_calls": 3, "context_management": [{"type": "compaction"}],
            "image": {"context_compression": "auto"}, "client_metadata": {"x": "y"}, "background": False,
            "reasoning": {"effort": "low", "summary": "auto"}, "text": {"verbosity": "low", "format": {"type": "text"}}}
    resp = await proxy.post("/v1/responses", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert calls(emulator)


async def test_openai_sdk_extra_body_typo_is_refused_on_responses(proxy, emulator):
    async with openai.AsyncOpenAI(base_url=str(proxy.make_url("/v1")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.responses.create(model=TEXT, input="hi", extra_body={"instuctions": "Be brief."})
    assert caught.value.code == "unknown_parameter" and caught.value.param == "instuctions"
    assert calls(emulator) == []


# ------------------------------------------------------------------ the Anthropic Messages API (Anthropic's shape)

@pytest.mark.parametrize("path", ["/v1/messages", "/api/provider/gemini/v1/messages"])
async def test_messages_refuses_a_typo_in_anthropics_shape(proxy, emulator, path):
    body = {k: v for k, v in MESSAGES.items() if k != "max_tokens"} | {"max_token": 50}
    message = await unknown_anthropic(await proxy.post(path, json=body, headers=AUTH), "max_token", "max_tokens")
    assert "stop_sequences" in message
    assert calls(emulator) == []


@pytest.mark.parametrize("path", ["/v1/messages/count_tokens", "/api/provider/gemini/v1/messages/count_tokens"])
async def test_count_tokens_refuses_a_typo_in_anthropics_shape(proxy, emulator, path):
    body = {"model": TEXT, "messages": MESSAGES["messages"], "sytem": "Be brief."}
    await unknown_anthropic(await proxy.post(path, json=body, headers=AUTH), "sytem", "system")
    assert calls(emulator) == []


@pytest.mark.parametrize("body, name, closest", [({"thinking": {"type": "enabled", "budget_token": 2048}},
                                                  "thinking.budget_token", "budget_tokens"),
                                                 ({"output_config": {"efort": "low"}}, "output_config.efort", "effort")])
async def test_messages_names_the_nested_path_of_a_misspelled_key(proxy, emulator, body, name, closest):
    resp = await proxy.post("/v1/messages", json={**MESSAGES, **body}, headers=AUTH)
    await unknown_anthropic(resp, name, closest)
    assert calls(emulator) == []


async def test_what_claude_code_sends_is_accepted(proxy, emulator):
    body = {**MESSAGES, "max_tokens": 32000, "stream": False, "metadata": {"user_id": "{}"},
            "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
            "thinking": {"type": "adaptive", "display": "omitted"}, "output_config": {"effort": "medium"},
            "tools": [{"name": "Read", "description": "Read a file", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "auto"}, "temperature": 1, "top_k": 40, "top_p": 0.9, "stop_sequences": ["\n\nX"],
            "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
            "mcp_servers": [], "container": None, "service_tier": "auto", "speed": "standard",
            "cache_control": {"type": "ephemeral"}, "diagnostics": None}
    resp = await proxy.post("/v1/messages?beta=true", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    counted = {k: v for k, v in body.items() if k not in ("stop_sequences",)}
    resp = await proxy.post("/v1/messages/count_tokens?beta=true", json=counted, headers=AUTH)
    assert resp.status == 200, await resp.text()


async def test_anthropic_sdk_extra_body_typo_is_refused(proxy, emulator):
    async with anthropic.AsyncAnthropic(base_url=str(proxy.make_url("")), api_key=CLIENT_KEY, max_retries=0) as sdk:
        with pytest.raises(anthropic.BadRequestError) as caught:
            await sdk.messages.create(model=TEXT, max_tokens=20, messages=[{"role": "user", "content": "hi"}],
                                      extra_body={"temprature": 0.2})
    assert "Did you mean 'temperature'?" in caught.value.message
    assert calls(emulator) == []


# ------------------------------------------------------------------ speech, video edits / extensions / remix, images

async def test_speech_refuses_a_typo(proxy, emulator):
    body = {k: v for k, v in SPEECH.items() if k != "voice"} | {"voise": "nova"}  # the typo, not a missing voice
    resp = await proxy.post("/v1/audio/speech", json=body, headers=AUTH)
    message = await unknown_openai(resp, "voise", "voice")
    assert "stream_format" in message
    assert calls(emulator) == []


@pytest.mark.parametrize("path", ["/v1/videos/edits", "/v1/videos/extensions"])
async def test_video_edits_and_extensions_refuse_a_typo_as_json(proxy, emulator, path):
    body = {"promt": "make it night", "video": VIDEO_REF["video"]}
    await unknown_openai(await proxy.post(path, json=body, headers=AUTH), "promt", "prompt")
    assert calls(emulator) == []


@pytest.mark.parametrize("path", ["/v1/videos/edits", "/v1/videos/extensions"])
async def test_video_edits_and_extensions_refuse_a_typo_in_a_form(proxy, emulator, path):
    form = aiohttp.FormData()  # multipart, as the SDKs send it (a part with a Content-Type makes it one)
    form.add_field("promt", "make it night", content_type="text/plain")
    form.add_field("video[id]", VIDEO_REF["video"]["id"], content_type="text/plain")
    await unknown_openai(await proxy.post(path, data=form, headers=AUTH), "promt", "prompt")
    assert calls(emulator) == []


async def test_video_remix_refuses_a_typo(proxy, emulator):
    resp = await proxy.post("/v1/videos/video_0123456789abcdef/remix", json={"promt": "night"}, headers=AUTH)
    await unknown_openai(resp, "promt", "prompt")
    assert calls(emulator) == []


async def test_images_accepts_the_sdks_fields_and_refuses_what_it_cannot_make(proxy, emulator):
    body = {"prompt": "a cat", "size": "1024x1024", "safety_identifier": "s", "output_compression": 80,
            "background": "auto", "output_format": "png", "stream": False, "partial_images": 0}
    resp = await proxy.post("/v1/images/generations", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    emulator.state.requests.clear()
    resp = await proxy.post("/v1/images/generations", json={"prompt": "a cat", "background": "transparent"},
                            headers=AUTH)
    assert resp.status == 400
    assert_openai_error(await resp.json(), code="unsupported_parameter", param="background")
    resp = await proxy.post("/v1/images/generations", json={"prompt": "a cat", "ouput_format": "png"}, headers=AUTH)
    await unknown_openai(resp, "ouput_format", "output_format")
    assert calls(emulator) == []


# ------------------------------------------------------------------ the lists against the installed SDKs

@pytest.mark.parametrize("known, sdk", [
    (responses_fields.KNOWN, fields_of(response_create_params.ResponseCreateParamsStreaming)),
    (responses_fields.REASONING_KEYS, fields_of(reasoning.Reasoning)),
    (responses_fields.TEXT_KEYS, fields_of(response_text_config_param.ResponseTextConfigParam)),
    (responses_fields.TEXT_FORMAT_KEYS,
     fields_of(response_format_text_json_schema_config_param.ResponseFormatTextJSONSchemaConfigParam)),
    (anthropic_fields.MESSAGES_FIELDS, fields_of(message_create_params.MessageCreateParamsStreaming,
                                                 beta_create_params.MessageCreateParamsStreaming)),
    (anthropic_fields.COUNT_TOKENS_FIELDS, fields_of(message_count_tokens_params.MessageCountTokensParams,
                                                     beta_count_params.MessageCountTokensParams)),
    (anthropic_fields.THINKING_KEYS, fields_of(*typing.get_args(beta_create_params.BetaThinkingConfigParam))),
    (anthropic_fields.OUTPUT_CONFIG_KEYS, fields_of(beta_create_params.BetaOutputConfigParam)),
    (set(SpeechRequest.model_fields), fields_of(speech_create_params.SpeechCreateParams)),
    (set(VideoEdit.model_fields), fields_of(video_edit_params.VideoEditParams)),
    (set(VideoExtension.model_fields), fields_of(video_extend_params.VideoExtendParams)),
    (set(VideoRemix.model_fields), fields_of(video_remix_params.VideoRemixParams)),
    (IMAGES_API_FIELDS, fields_of(image_generate_params.ImageGenerateParamsStreaming)),
], ids=["responses", "reasoning", "text", "text.format", "messages", "count_tokens", "thinking", "output_config",
        "speech", "video_edit", "video_extend", "video_remix", "images"])
def test_every_field_the_installed_sdk_defines_is_known(known, sdk):
    assert sdk - set(known) == set()

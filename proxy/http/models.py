"""pydantic models of what clients send."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from proxy.http.errors import ApiError


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None

    @field_validator("content")
    @classmethod
    def _parts(cls, value):
        # Every plugin reads part["type"] and a text part's "text": check them once, here.
        for index, part in enumerate(value if isinstance(value, list) else []):
            if not isinstance(part.get("type"), str):
                raise ValueError(f"content part {index} needs a string 'type'")
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                raise ValueError(f"content part {index} is a text part without a string 'text'")
        return value


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The OpenAI chat completions request. Modality fields (image_config, video_config, …)
    are kept as extras for the plugin that serves the route to validate."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    modalities: list[str] | None = None
    n: int | None = Field(None, ge=1)
    metadata: dict[str, str] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value):
        # OpenAI's Metadata: "Set of 16 key-value pairs ... Keys are strings with a maximum length of 64 characters.
        # Values are strings with a maximum length of 512 characters." (openai-openapi, components.schemas.Metadata)
        if value is None:
            return value
        if len(value) > 16:
            raise ValueError(f"holds {len(value)} pairs; at most 16")
        for key, item in value.items():
            if len(key) > 64:
                raise ValueError(f"key '{key[:64]}…' is over 64 characters")
            if len(item) > 512:
                raise ValueError(f"value of '{key}' is over 512 characters")
        return value

    def extra(self, name: str, default: Any = None) -> Any:
        return (self.model_extra or {}).get(name, default)

    def prompt_text(self) -> str:
        """The text of the last user message."""
        for message in reversed(self.messages):
            if message.role != "user":
                continue
            if isinstance(message.content, str):
                return message.content
            return "\n".join(p.get("text", "") for p in message.content or [] if p.get("type") == "text")
        return ""

    def prompt_chars(self) -> int:
        """Characters of text in every message (what Google counts as input tokens, media aside)."""
        total = 0
        for message in self.messages:
            if isinstance(message.content, str):
                total += len(message.content)
            elif message.content:
                total += sum(len(p["text"]) for p in message.content if p["type"] == "text")
        return total


#: Gemini's input limit: gemini-3-flash-preview reads at most 1,048,576 tokens ("Token limits: Context window
#: 1,048,576", docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini/3-flash; gemini-2.0-flash's page on
#: ai.google.dev gives the same input limit), and "a token is approximately four characters" (google-genai,
#: GenerationConfig.max_output_tokens): about 4.2 million characters. genproxy refuses only four times that (16
#: characters a token), so text that packs into unusually long tokens still goes to Google, who decides; a prompt
#: past it cannot fit any model, and is refused before any work instead of after it crossed the network.
GEMINI_MAX_INPUT_TOKENS = 1_048_576
MAX_PROMPT_CHARS = 16 * GEMINI_MAX_INPUT_TOKENS


def check_prompt_size(request: ChatCompletionRequest, limit: int) -> None:
    chars = request.prompt_chars()
    if chars > limit:
        raise ApiError(400, f"The prompt is too long: {chars:,} characters of text, more than the {limit:,} genproxy "
                            f"accepts (max_prompt_chars). Gemini models read at most "
                            f"{GEMINI_MAX_INPUT_TOKENS:,} tokens of about 4 characters each.",
                       param="messages", code="prompt_too_long")


#: Every field of OpenAI's chat-completions request (openai-python 2.x, types/chat/completion_create_params.py,
#: CompletionCreateParamsBase, plus ``stream``). Clients send them whether or not a model uses them (the openai
#: SDK: stream_options, user, metadata, store, n; Open WebUI: its sampling settings), so every modality accepts
#: them; what no API defines is a 400 (a typo must not buy a video made with default settings).
OPENAI_CHAT_FIELDS = frozenset({
    "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
    "max_tokens", "messages", "metadata", "modalities", "model", "moderation", "n", "parallel_tool_calls",
    "prediction", "presence_penalty", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention",
    "reasoning_effort", "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream",
    "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity",
    "web_search_options"})


def unknown_parameter(name: str, known: Iterable[str], param: str | None = None,
                      described: str | None = None) -> ApiError:
    """400 ``unknown_parameter`` naming the closest known field and listing the known ones."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    listed = described or ", ".join(known)
    param = param or name
    return ApiError(400, f"Unknown parameter '{param}'.{hint} Known parameters: {listed}.", param=param,
                    code="unknown_parameter")


def refuse_unknown_keys(body: Any, known: Iterable[str], prefix: str = "") -> None:
    """400 ``unknown_parameter`` for the first key of the object ``body`` that is not in ``known``, its param the
    whole path (``prefix`` such as "text.format."); anything but an object is left to the field's own checks."""
    if not isinstance(body, dict):
        return
    known = frozenset(known)
    for name in body:
        if name not in known:
            raise unknown_parameter(str(name), known, param=f"{prefix}{name}")


def refuse_unknown_fields(request: ChatCompletionRequest, own: Iterable[str]) -> None:
    """400 for a top-level field of a chat request that neither OpenAI's API nor the serving plugin (``own``:
    its modality fields, such as video_config) defines."""
    own = set(own)
    for name in request.model_extra or {}:
        if name not in OPENAI_CHAT_FIELDS and name not in own:
            mine = ", ".join(sorted(own)) or "none"
            raise unknown_parameter(name, own | OPENAI_CHAT_FIELDS,
                                    described=f"{mine} (for {request.model[:100]}), and OpenAI's chat-completions "
                                    f"parameters ({', '.join(sorted(OPENAI_CHAT_FIELDS))})")


def validation_error(exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> ApiError:
    """The first problem of a pydantic error as a 400 that names the parameter (for an unknown field of
    ``model``: ``unknown_parameter`` listing its fields). An unknown field comes first: ``promt`` is why
    ``prompt`` is missing, and the answer should say so."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    param = prefix + ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        if model is not None and len(err["loc"]) == 1:
            return unknown_parameter(str(err["loc"][0]), [f.alias or n for n, f in model.model_fields.items()],
                                     param=param)
        return ApiError(400, f"Unknown parameter '{param}'.", param=param, code="unknown_parameter")
    if err["type"] == "missing":
        msg = "is required"
    return ApiError(400, f"Invalid parameter '{param}': {msg}.", param=param or None,
                    code="missing_required_parameter" if err["type"] == "missing" else "invalid_value")


def parse_request(model_cls, data: Any, prefix: str = ""):
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix, model_cls) from None


def whole_seconds(value: Any) -> Any:
    """A duration as clients send it ("8", 8 or 8.0) as an int; other types are left to the field's
    own validation. For pydantic ``mode="before"`` validators: raises ValueError with the reason. "8s" is
    refused: it was stored as given and shown as "8s s" (issue 25.2); no API in front of Veo takes it."""
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise ValueError("must be a whole number of seconds such as 8 or \"8\"")
        return int(text)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number of seconds")
        return int(value)
    return value

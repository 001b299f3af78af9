"""OpenAI chat completions <-> Gemini generateContent: the mapping the text and image plugins share.

Requests: messages -> ``contents`` / ``systemInstruction`` (pure; remote image URLs are only
noted here and fetched later by :func:`fetch_remote_parts`), parameters -> ``generationConfig``,
tools -> ``functionDeclarations`` / ``toolConfig``.
Replies: candidates -> assistant messages (``content``, ``reasoning_content``, ``tool_calls``,
``images``), ``finishReason`` -> ``finish_reason``, ``usageMetadata`` -> ``usage``; streamed
events -> :class:`Delta`.

Decisions:
- JSON schemas are sent as ``responseJsonSchema`` / ``parametersJsonSchema`` (Gemini's fields that
  take JSON Schema as is, ``additionalProperties`` included) rather than the OpenAPI-subset
  ``responseSchema`` / ``parameters``, which reject what OpenAI's strict schemas contain.
- Unknown top-level fields are a 400 naming the field, except the harmless ones OpenAI clients
  send (``IGNORED``); parameters Gemini cannot honour (``UNSUPPORTED``) are a 400 too.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from proxy.hookspecs import ApiError, Completion, Delta, RequestContext, Submitted, invalid

# Fields every OpenAI client may send that change nothing here: accepted and ignored.
IGNORED = {"user", "metadata", "store", "service_tier", "parallel_tool_calls", "prompt_cache_key",
           "safety_identifier", "stream_options"}
# Parameters Gemini has no equivalent for: a 400 naming them (when set to a non-default value).
UNSUPPORTED = {
    "logprobs": "Gemini log probabilities are not exposed by this proxy",
    "top_logprobs": "Gemini log probabilities are not exposed by this proxy",
    "logit_bias": "Gemini has no logit bias",
    "audio": "audio output is not supported",
    "prediction": "predicted outputs are not supported",
    "web_search_options": "web search is not supported through this proxy",
    "functions": "use 'tools' instead of the deprecated 'functions'",
    "function_call": "use 'tool_choice' instead of the deprecated 'function_call'",
}
# Parameters this module maps (besides the model fields: model, messages, stream, n, modalities).
HANDLED = {"temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "stop", "seed",
           "presence_penalty", "frequency_penalty", "response_format", "reasoning_effort", "tools",
           "tool_choice"}

MAX_STOP = 5
MAX_INLINE_BYTES = 20 * 1024 * 1024  # Gemini's limit for a whole request with inline data
REMOTE_TIMEOUT = 20.0
DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*)(;base64)?,(.*)$", re.S)
AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mp3", "flac": "audio/flac", "aac": "audio/aac",
                 "ogg": "audio/ogg", "opus": "audio/ogg", "pcm16": "audio/pcm", "m4a": "audio/mp4",
                 "webm": "audio/webm", "aiff": "audio/aiff"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif", "image/gif"}
FINISH_REASONS = {
    "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter", "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter", "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter", "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter", "LANGUAGE": "content_filter",
}
REASONING_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}
REMOTE_PLACEHOLDER = "__genproxy_remote__"


# ------------------------------------------------------------------ request: messages

def _decode_b64(data: str, param: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"'{param}' is not valid base64.", param) from None


def _data_uri_part(url: str, param: str, allowed: set[str] | None, what: str) -> dict:
    match = DATA_URI.match(url)
    if not match or not match.group(3):
        raise invalid(f"'{param}' must be a base64 data URI (data:<mime>;base64,...) or an http(s) URL.", param)
    mime = (match.group(1) or "").lower()
    if allowed is not None and mime not in allowed:
        raise invalid(f"'{param}': {what} type '{mime or 'missing'}' is not supported; use one of "
                      f"{', '.join(sorted(allowed))}.", param)
    data = re.sub(r"\s+", "", match.group(4))
    raw = _decode_b64(data, param)
    if len(raw) > MAX_INLINE_BYTES:
        raise invalid(f"'{param}' is {len(raw)} bytes, over the {MAX_INLINE_BYTES} byte limit.", param,
                      code="file_too_large")
    return {"inlineData": {"mimeType": mime, "data": data}}


def _content_part(part: Any, param: str) -> dict | None:
    if not isinstance(part, dict):
        raise invalid(f"'{param}' must be an object with a 'type'.", param)
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise invalid(f"'{param}.text' must be a string.", f"{param}.text")
        return {"text": text} if text else None
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url:
            raise invalid(f"'{param}.image_url.url' is required.", f"{param}.image_url.url")
        if url.startswith(("http://", "https://")):
            # Fetched in submit (I/O), see fetch_remote_parts.
            return {REMOTE_PLACEHOLDER: {"url": url, "param": f"{param}.image_url.url"}}
        return _data_uri_part(url, f"{param}.image_url.url", IMAGE_TYPES, "image")
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        fmt = str(audio.get("format", "")).lower()
        if fmt not in AUDIO_FORMATS:
            raise invalid(f"'{param}.input_audio.format' must be one of {', '.join(AUDIO_FORMATS)}.",
                          f"{param}.input_audio.format")
        data = audio.get("data")
        if not isinstance(data, str) or not data:
            raise invalid(f"'{param}.input_audio.data' is required (base64).", f"{param}.input_audio.data")
        if len(_decode_b64(data, f"{param}.input_audio.data")) > MAX_INLINE_BYTES:
            raise invalid(f"'{param}.input_audio.data' is over the {MAX_INLINE_BYTES} byte limit.",
                          f"{param}.input_audio.data", code="file_too_large")
        return {"inlineData": {"mimeType": AUDIO_FORMATS[fmt], "data": data}}
    if kind == "file":
        file = part.get("file") or {}
        if file.get("file_id"):
            raise invalid(f"'{param}.file.file_id': uploaded file ids are not supported; send the file "
                          "inline as 'file_data' (a base64 data URI).", f"{param}.file.file_id")
        data = file.get("file_data")
        if not isinstance(data, str) or not data:
            raise invalid(f"'{param}.file.file_data' is required (a base64 data URI).", f"{param}.file.file_data")
        return _data_uri_part(data, f"{param}.file.file_data", None, "file")
    raise invalid(f"'{param}.type' '{kind}' is not supported; use text, image_url, input_audio or file.",
                  f"{param}.type")


def _parts(content: Any, param: str) -> list[dict]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts = []
    for j, item in enumerate(content):
        part = _content_part(item, f"{param}[{j}]")
        if part is not None:
            parts.append(part)
    return parts


def _text_only(content: Any, param: str) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    texts = []
    for j, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") != "text":
            raise invalid(f"'{param}[{j}]': only text parts are allowed here.", f"{param}[{j}]")
        texts.append(str(part.get("text", "")))
    return "\n".join(texts)


def _function_call_part(call: Any, param: str) -> tuple[str, str, dict]:
    fn = call.get("function") if isinstance(call, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise invalid(f"'{param}.function.name' is required.", f"{param}.function.name")
    raw = fn.get("arguments") or "{}"
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise invalid(f"'{param}.function.arguments' is not valid JSON.", f"{param}.function.arguments") from None
    if not isinstance(args, dict):
        raise invalid(f"'{param}.function.arguments' must be a JSON object.", f"{param}.function.arguments")
    part: dict = {"functionCall": {"name": fn["name"], "args": args}}
    signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
    if isinstance(signature, str) and signature:
        part["thoughtSignature"] = signature
    return str(call.get("id") or ""), fn["name"], part


def translate_messages(messages: list) -> tuple[list[dict], dict | None]:
    """(contents, systemInstruction) from OpenAI messages.

    Consecutive turns of the same role are merged (Gemini wants user/model alternation, and all
    responses to one round of function calls in one turn).
    """
    contents: list[dict] = []
    system: list[dict] = []
    call_names: dict[str, str] = {}

    def add(role: str, parts: list[dict]) -> None:
        if not parts:
            return
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for i, message in enumerate(messages):
        param = f"messages[{i}]"
        role = message.role
        if role in ("system", "developer"):
            text = _text_only(message.content, f"{param}.content")
            if text:
                system.append({"text": text})
        elif role == "user":
            add("user", _parts(message.content, f"{param}.content"))
        elif role == "assistant":
            parts = [{"text": _text_only(message.content, f"{param}.content")}] if message.content else []
            for j, call in enumerate(message.tool_calls or []):
                call_id, name, part = _function_call_part(call, f"{param}.tool_calls[{j}]")
                if call_id:
                    call_names[call_id] = name
                parts.append(part)
            add("model", parts)
        else:  # tool / function results
            name = call_names.get(message.tool_call_id or "") or message.name
            if not name:
                raise invalid(f"'{param}.tool_call_id' does not match any earlier assistant tool call.",
                              f"{param}.tool_call_id")
            text = _text_only(message.content, f"{param}.content")
            try:
                value = json.loads(text)
            except ValueError:
                value = None
            response = value if isinstance(value, dict) else {"result": text}
            add("user", [{"functionResponse": {"name": name, "response": response}}])
    if not contents:
        raise invalid("'messages' must hold at least one user message with content.", "messages")
    return contents, ({"parts": system} if system else None)


def has_remote_parts(body: dict) -> bool:
    return any(REMOTE_PLACEHOLDER in part for content in body["contents"] for part in content["parts"])


async def fetch_remote_parts(body: dict, context: RequestContext) -> None:
    """Download the http(s) image URLs translate left as placeholders into inlineData parts (I/O)."""
    slots = [(content["parts"], j) for content in body["contents"]
             for j, part in enumerate(content["parts"]) if REMOTE_PLACEHOLDER in part]
    if not slots:
        return
    session: aiohttp.ClientSession = context.upstream.session

    async def fetch(ref: dict) -> dict:
        url, param = ref["url"], ref["param"]
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=REMOTE_TIMEOUT),
                                   max_redirects=5) as resp:
                if resp.status >= 400:
                    raise invalid(f"Fetching '{param}' failed with HTTP {resp.status}.", param, code="image_fetch_failed")
                mime = resp.content_type.lower()
                if mime not in IMAGE_TYPES:
                    raise invalid(f"'{param}' is '{mime}', not an image ({', '.join(sorted(IMAGE_TYPES))}).", param,
                                  code="invalid_image")
                if resp.content_length and resp.content_length > MAX_INLINE_BYTES:
                    raise invalid(f"'{param}' is over the {MAX_INLINE_BYTES} byte limit.", param, code="file_too_large")
                data = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > MAX_INLINE_BYTES:
                        raise invalid(f"'{param}' is over the {MAX_INLINE_BYTES} byte limit.", param,
                                      code="file_too_large")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise invalid(f"Fetching '{param}' failed: {exc.__class__.__name__}.", param,
                          code="image_fetch_failed") from None
        return {"inlineData": {"mimeType": mime, "data": base64.b64encode(bytes(data)).decode("ascii")}}

    fetched = await asyncio.gather(*(fetch(parts[j][REMOTE_PLACEHOLDER]) for parts, j in slots))
    for (parts, j), part in zip(slots, fetched):
        parts[j] = part


# ------------------------------------------------------------------ request: parameters

def _number(request, name: str, low: float | None = None, high: float | None = None, integer: bool = False):
    value = request.extra(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise invalid(f"'{name}' must be {'an integer' if integer else 'a number'}.", name)
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(f"'{name}' must be between {low} and {high}.", name)
    return value


def check_fields(request, own: set[str]) -> None:
    """400 for unsupported and unknown top-level fields; ``own`` are the plugin's extra fields."""
    for name, value in (request.model_extra or {}).items():
        if name in UNSUPPORTED:
            if value in (None, False, {}, []):
                continue
            raise invalid(f"'{name}' is not supported for {request.model}: {UNSUPPORTED[name]}.", name,
                          code="unsupported_parameter")
        if name not in IGNORED and name not in HANDLED and name not in own:
            raise invalid(f"Unknown parameter '{name}'.", name, code="unknown_parameter")


def _schema(value: Any, param: str) -> dict:
    if not isinstance(value, dict):
        raise invalid(f"'{param}' must be a JSON Schema object.", param)
    return value


def generation_config(request, route) -> dict:
    """generationConfig from the OpenAI sampling parameters (route.defaults fill what is unset)."""
    config: dict = {}
    for name, key, low, high, integer in (("temperature", "temperature", 0, 2, False),
                                          ("top_p", "topP", 0, 1, False),
                                          ("top_k", "topK", 1, None, True),
                                          ("seed", "seed", None, None, True),
                                          ("presence_penalty", "presencePenalty", -2, 2, False),
                                          ("frequency_penalty", "frequencyPenalty", -2, 2, False)):
        value = _number(request, name, low, high, integer)
        if value is None:
            value = route.defaults.get(name)
        if value is not None:
            config[key] = value
    max_tokens = _number(request, "max_completion_tokens", 1, None, True)
    if max_tokens is None:
        max_tokens = _number(request, "max_tokens", 1, None, True)
    if max_tokens is None:
        max_tokens = route.defaults.get("max_tokens")
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = request.extra("stop")
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
            raise invalid("'stop' must be a string or a list of non-empty strings.", "stop")
        if len(stops) > MAX_STOP:
            raise invalid(f"'stop' may hold at most {MAX_STOP} sequences.", "stop")
        if stops:
            config["stopSequences"] = stops
    if request.n and request.n > 1:
        if request.n > 8:
            raise invalid("'n' must be between 1 and 8 for Gemini.", "n")
        config["candidateCount"] = request.n
    fmt = request.extra("response_format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind == "json_object":
            config["responseMimeType"] = "application/json"
        elif kind == "json_schema":
            spec = fmt.get("json_schema")
            if not isinstance(spec, dict) or "schema" not in spec:
                raise invalid("'response_format.json_schema.schema' is required.", "response_format.json_schema.schema")
            config["responseMimeType"] = "application/json"
            config["responseJsonSchema"] = _schema(spec["schema"], "response_format.json_schema.schema")
        elif kind != "text":
            raise invalid("'response_format.type' must be text, json_object or json_schema.", "response_format.type")
    effort = request.extra("reasoning_effort") or route.defaults.get("reasoning_effort")
    if effort is not None:
        if effort not in REASONING_BUDGETS:
            raise invalid(f"'reasoning_effort' must be one of {', '.join(REASONING_BUDGETS)}.", "reasoning_effort")
        if route.target.startswith("gemini-3"):
            # Gemini 3 takes a level (low or high) instead of a token budget.
            config["thinkingConfig"] = {"thinkingLevel": "high" if effort in ("medium", "high") else "low",
                                        "includeThoughts": True}
        elif effort == "none":
            config["thinkingConfig"] = {"thinkingBudget": 0}
        else:
            config["thinkingConfig"] = {"thinkingBudget": REASONING_BUDGETS[effort], "includeThoughts": True}
    return config


def tools_config(request) -> dict:
    """``tools`` / ``toolConfig`` for the body (empty when the request has no tools)."""
    out: dict = {}
    tools = request.extra("tools")
    names: list[str] = []
    if tools:
        if not isinstance(tools, list):
            raise invalid("'tools' must be a list.", "tools")
        declarations = []
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
                raise invalid(f"'tools[{i}]' must be {{\"type\": \"function\", \"function\": {{...}}}}; "
                              "other tool types are not supported.", f"tools[{i}].type")
            name = fn.get("name")
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.:-]{0,127}", name):
                raise invalid(f"'tools[{i}].function.name' must start with a letter or underscore and hold only "
                              "letters, digits, _ . : - (at most 128).", f"tools[{i}].function.name")
            declaration: dict = {"name": name}
            if fn.get("description"):
                declaration["description"] = fn["description"]
            if fn.get("parameters") is not None:
                declaration["parametersJsonSchema"] = _schema(fn["parameters"], f"tools[{i}].function.parameters")
            declarations.append(declaration)
            names.append(name)
        out["tools"] = [{"functionDeclarations": declarations}]
    choice = request.extra("tool_choice")
    if choice is not None:
        if choice in ("auto", "none", "required"):
            mode = {"auto": "AUTO", "none": "NONE", "required": "ANY"}[choice]
            out["toolConfig"] = {"functionCallingConfig": {"mode": mode}}
        elif isinstance(choice, dict) and isinstance((choice.get("function") or {}).get("name"), str):
            name = choice["function"]["name"]
            if name not in names:
                raise invalid(f"'tool_choice.function.name' '{name}' is not one of the declared tools.",
                              "tool_choice.function.name")
            out["toolConfig"] = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
        else:
            raise invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", "
                          "\"function\": {\"name\": ...}}.", "tool_choice")
        if not names and choice != "none":
            raise invalid("'tool_choice' needs 'tools'.", "tool_choice")
    return out


def build_body(request, route, generation: dict | None = None) -> dict:
    """The generateContent body (remote images still to fetch: see fetch_remote_parts)."""
    contents, system = translate_messages(request.messages)
    body: dict = {"contents": contents}
    if system:
        body["systemInstruction"] = system
    body.update(tools_config(request))
    config = generation_config(request, route)
    config.update(generation or {})
    if config:
        body["generationConfig"] = config
    return body


# ------------------------------------------------------------------ reply

def finish_reason(gemini_reason: str | None, has_tool_calls: bool) -> str:
    if has_tool_calls:
        return "tool_calls"
    return FINISH_REASONS.get(gemini_reason or "STOP", "stop")


def usage(metadata: dict | None) -> dict | None:
    if not metadata:
        return None
    prompt = int(metadata.get("promptTokenCount") or 0)
    thoughts = int(metadata.get("thoughtsTokenCount") or 0)
    completion = int(metadata.get("candidatesTokenCount") or 0) + thoughts
    out = {"prompt_tokens": prompt, "completion_tokens": completion,
           "total_tokens": int(metadata.get("totalTokenCount") or prompt + completion),
           "completion_tokens_details": {"reasoning_tokens": thoughts}}
    if metadata.get("cachedContentTokenCount"):
        out["prompt_tokens_details"] = {"cached_tokens": int(metadata["cachedContentTokenCount"])}
    return out


def check_blocked(reply: dict) -> None:
    """A prompt Google refused: an explicit content_filter error, never an empty answer."""
    feedback = reply.get("promptFeedback") or {}
    reason = feedback.get("blockReason")
    if reason and not reply.get("candidates"):
        detail = feedback.get("blockReasonMessage")
        raise ApiError(400, f"The prompt was blocked by Google's safety filters (blockReason: {reason})"
                            + (f": {detail}" if detail else "."), code="content_filter")


def upstream_event_error(event: dict) -> ApiError | None:
    """An ``{"error": {...}}`` event inside a stream."""
    error = event.get("error")
    if not isinstance(error, dict):
        return None
    return ApiError(502, f"The upstream failed mid-stream: {error.get('message') or 'unknown error'}"
                         f" ({error.get('status') or error.get('code') or 'error'}).", code="upstream_stream_error")


def _tool_call(call: dict, part: dict) -> dict:
    out = {"id": f"call_{secrets.token_hex(12)}", "type": "function",
           "function": {"name": call.get("name", ""), "arguments": json.dumps(call.get("args") or {})}}
    if part.get("thoughtSignature"):
        # Gemini 3 wants the signature back with the call; clients that keep unknown fields return it.
        out["extra_content"] = {"google": {"thought_signature": part["thoughtSignature"]}}
    return out


def split_parts(parts: list[dict]) -> dict:
    """text / thought text / tool calls / final images of some parts."""
    text, thoughts, calls, images = [], [], [], []
    for part in parts or []:
        if "functionCall" in part:
            calls.append(_tool_call(part["functionCall"], part))
        elif "inlineData" in part or "inline_data" in part:
            if part.get("thought"):
                continue  # interim image of the thinking process, not an answer
            data = part.get("inlineData") or part.get("inline_data") or {}
            mime = data.get("mimeType") or data.get("mime_type") or "application/octet-stream"
            images.append(f"data:{mime};base64,{data.get('data', '')}")
        elif isinstance(part.get("text"), str):
            (thoughts if part.get("thought") else text).append(part["text"])
    return {"text": "".join(text) if text else None, "thoughts": "".join(thoughts) if thoughts else None,
            "tool_calls": calls, "images": images}


def image_objects(urls: list[str], start: int = 0) -> list[dict]:
    return [{"type": "image_url", "image_url": {"url": url}, "index": start + i} for i, url in enumerate(urls)]


def completions(reply: dict) -> list[Completion]:
    """One Completion per candidate of a generateContent reply."""
    check_blocked(reply)
    candidates = reply.get("candidates") or []
    if not candidates:
        raise ApiError(502, "The upstream answered without any candidate.", code="upstream_empty_reply")
    out = []
    for candidate in sorted(candidates, key=lambda c: c.get("index", 0)):
        pieces = split_parts((candidate.get("content") or {}).get("parts") or [])
        message: dict = {"content": pieces["text"]}
        if pieces["thoughts"]:
            message["reasoning_content"] = pieces["thoughts"]
        if pieces["tool_calls"]:
            message["tool_calls"] = pieces["tool_calls"]
        if pieces["images"]:
            message["images"] = image_objects(pieces["images"])
        out.append(Completion(message=message,
                              finish_reason=finish_reason(candidate.get("finishReason"), bool(pieces["tool_calls"])),
                              usage=None))
    out[0].usage = usage(reply.get("usageMetadata"))
    return out


async def deltas(events: AsyncIterator[dict], on_finish=None) -> AsyncIterator[Delta]:
    """Each upstream event as it arrives, as Deltas (one per candidate in the event).

    ``on_finish(state)`` may adjust the finish reason of a candidate (``state`` holds what was
    seen so far for it) before its last Delta goes out.
    """
    state: dict[int, dict] = {}
    async for event in events:
        error = upstream_event_error(event)
        if error:
            raise error
        check_blocked(event)
        usage_now = usage(event.get("usageMetadata"))
        candidates = event.get("candidates") or []
        if not candidates and usage_now:
            yield Delta(delta={}, usage=usage_now)
        for candidate in candidates:
            index = candidate.get("index", 0)
            seen = state.setdefault(index, {"started": False, "tool_calls": 0, "images": 0})
            pieces = split_parts((candidate.get("content") or {}).get("parts") or [])
            delta: dict = {}
            if not seen["started"]:
                delta["role"] = "assistant"
                seen["started"] = True
            if pieces["thoughts"]:
                delta["reasoning_content"] = pieces["thoughts"]
            if pieces["text"]:
                delta["content"] = pieces["text"]
            if pieces["tool_calls"]:
                delta["tool_calls"] = [{"index": seen["tool_calls"] + k, **call}
                                       for k, call in enumerate(pieces["tool_calls"])]
                seen["tool_calls"] += len(pieces["tool_calls"])
            if pieces["images"]:
                delta["images"] = image_objects(pieces["images"], seen["images"])
                seen["images"] += len(pieces["images"])
            reason = None
            if candidate.get("finishReason"):
                reason = finish_reason(candidate["finishReason"], seen["tool_calls"] > 0)
                if on_finish:
                    reason = on_finish(seen, reason)
            yield Delta(delta=delta, finish_reason=reason, usage=usage_now, index=index)


# ------------------------------------------------------------------ sending

async def send(route, call, context: RequestContext) -> Submitted:
    """Fetch remote images, then generateContent (or open the SSE stream, lazily: nothing is sent
    until the respond step iterates it, so an error before the first event keeps its HTTP status)."""
    await fetch_remote_parts(call.body, context)
    if call.stream:
        return Submitted(result=context.upstream.stream_generate_content(route.target, call.body))
    return Submitted(result=await context.upstream.generate_content(route.target, call.body))

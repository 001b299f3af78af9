"""generateContent: validate a request body and build the GenerateContentResponse (pure, no I/O).

Used by the Gemini API handlers (gemini.py) and by Code Assist (codeassist.py).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from .errors import invalid_argument, unknown_field
from .faults import Faults, strip_markers
from .gemini3 import check_thinking_config
from .media import EXTREME_RATIOS, IMAGE_ASPECT_RATIOS, IMAGE_SIZES, image_dimensions, make_png

REQUEST_FIELDS = {
    "contents", "systemInstruction", "generationConfig", "tools", "toolConfig",
    "safetySettings", "cachedContent", "labels", "model", "sessionId",
}
MODALITIES = ("TEXT", "IMAGE", "AUDIO")
IMAGE_TOKENS = 1290


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field by its camelCase or snake_case name (Google's JSON parser accepts both)."""
    if not isinstance(obj, dict):
        return default
    if name in obj:
        return obj[name]
    return obj.get(snake(name), default)


def tokens(text: str) -> int:
    return max(1, -(-len(text) // 4)) if text else 0


@dataclass
class ContentRequest:
    """What the emulator needs from a generateContent body."""

    prompt: str  # text of the last user turn, markers included
    all_texts: list[str]
    prompt_tokens: int
    want_image: bool
    aspect_ratio: str
    image_size: str
    include_thoughts: bool
    max_tokens: int | None
    functions: list[dict[str, Any]]
    # toolConfig.functionCallingConfig mode ANY: Google's model must call a function (of allowedFunctionNames)
    must_call: bool = False
    # generationConfig.responseMimeType application/json: the answer is JSON (of responseJsonSchema, if given)
    json_mode: bool = False
    json_schema: dict[str, Any] | None = None


def parse_request(body: Any, model: str, *, allow_images: bool = False) -> ContentRequest:
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in REQUEST_FIELDS and key not in {snake(f) for f in REQUEST_FIELDS}:
            raise unknown_field(key, "")
    contents = get(body, "contents")
    if not contents or not isinstance(contents, list):
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified\n", "contents")
    texts: list[str] = []
    prompt = ""
    for i, content in enumerate(contents):
        parts = get(content, "parts")
        if not isinstance(parts, list) or not parts:
            raise invalid_argument(
                f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.\n",
                f"contents[{i}].parts",
            )
        turn = [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
        for j, part in enumerate(parts):
            inline = get(part, "inlineData")
            if inline is not None:
                try:
                    base64.b64decode(get(inline, "data", ""), validate=True)
                except Exception:
                    raise invalid_argument(
                        f"Invalid value at 'contents[{i}].parts[{j}].inline_data.data' (TYPE_BYTES), "
                        "Base64 decoding failed",
                        f"contents[{i}].parts[{j}].inline_data.data",
                    ) from None
        texts.extend(turn)
        if get(content, "role", "user") == "user" and turn:
            prompt = " ".join(turn)
    config = get(body, "generationConfig") or {}
    check_thinking_config(config, model)
    modalities = get(config, "responseModalities") or []
    for i, modality in enumerate(modalities):
        if modality not in MODALITIES:
            raise invalid_argument(
                f"Invalid value at 'generation_config.response_modalities[{i}]' "
                f"(type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "
                f'"{modality}"',
                f"generation_config.response_modalities[{i}]",
            )
    # An image model asked with no responseModalities answers with text and an image: Google's own first
    # example (ai.google.dev/gemini-api/docs/image-generation) calls generate_content(model=
    # "gemini-...-image", contents=[prompt]) with no config and reads the image's inline_data. Open WebUI's
    # Gemini image engine sends exactly that (routers/images.py, generateContent method).
    want_image = "IMAGE" in modalities or (not modalities and allow_images)
    if want_image and not allow_images:  # the caller knows the model's kind from the catalog
        raise invalid_argument(
            "Model does not support the requested response modalities: "
            + ",".join(m.lower() for m in modalities)
        )
    image_config = get(config, "imageConfig") or {}
    aspect_ratio = get(image_config, "aspectRatio") or "1:1"
    # The extreme ratios and 512 are Gemini 3.1 Flash Image's only (media.IMAGE_PIXELS' source).
    flash_image = "flash-image" in model and "2.5" not in model
    ratios = IMAGE_ASPECT_RATIOS if flash_image else tuple(r for r in IMAGE_ASPECT_RATIOS if r not in EXTREME_RATIOS)
    if aspect_ratio not in ratios:
        raise invalid_argument(
            f"Unsupported aspect ratio: {aspect_ratio}. Supported values are: " + ", ".join(ratios) + ".",
            "generation_config.image_config.aspect_ratio",
        )
    image_size = get(image_config, "imageSize") or "1K"
    sizes = IMAGE_SIZES if flash_image else tuple(z for z in IMAGE_SIZES if z != "512")
    if image_size not in sizes:
        raise invalid_argument(
            f"Unsupported image size: {image_size}. Supported values are: {', '.join(sizes)}.",
            "generation_config.image_config.image_size",
        )
    max_tokens = get(config, "maxOutputTokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool)):
        raise invalid_argument(
            f"Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), {max_tokens!r}",
            "generation_config.max_output_tokens",
        )
    thinking = get(config, "thinkingConfig") or {}
    functions: list[dict[str, Any]] = []
    for tool in get(body, "tools") or []:
        functions.extend(get(tool, "functionDeclarations") or [])
    calling = get(get(body, "toolConfig") or {}, "functionCallingConfig") or {}
    allowed = get(calling, "allowedFunctionNames") or []
    if allowed:
        functions = [f for f in functions if f.get("name") in allowed] or functions
    schema = get(config, "responseJsonSchema") or get(config, "responseSchema")
    return ContentRequest(
        must_call=get(calling, "mode") == "ANY",
        json_mode=get(config, "responseMimeType") == "application/json",
        json_schema=schema if isinstance(schema, dict) else None,
        prompt=prompt,
        all_texts=texts,
        prompt_tokens=sum(tokens(t) for t in texts),
        want_image=want_image,
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        include_thoughts=bool(get(thinking, "includeThoughts")),
        max_tokens=max_tokens,
        functions=functions,
    )


def _placeholder(schema: dict[str, Any]) -> Any:
    kind = str(schema.get("type", "string")).lower()
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    return {"string": "example", "integer": 1, "number": 1.0, "boolean": True,
            "array": [], "object": {}}.get(kind, "example")


def sample_of(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value that validates against a (simple) JSON schema: what JSON mode answers with."""
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return sample_of(schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    kind = str(kind or ("object" if "properties" in schema else "string")).lower()
    if kind == "object" and depth < 8:
        props = schema.get("properties") or {}
        return {name: sample_of(props.get(name) or {}, depth + 1) for name in (schema.get("required") or list(props))}
    if kind == "array" and depth < 8:
        return [sample_of(schema.get("items") or {}, depth + 1)] if schema.get("minItems") else []
    if kind == "null":
        return None
    return _placeholder(schema)


def function_args(declaration: dict[str, Any]) -> dict[str, Any]:
    schema = declaration.get("parameters") or declaration.get("parametersJsonSchema") or {}
    props = schema.get("properties") or {}
    required = schema.get("required") or list(props)
    return {name: _placeholder(props.get(name) or {}) for name in required}


@dataclass
class Reply:
    """The pieces of one answer, before being shaped as one response or a stream."""

    thought: str | None
    text: str | None
    image: dict[str, Any] | None
    function_call: dict[str, Any] | None
    finish_reason: str
    prompt_tokens: int
    blocked: bool = False
    safety: bool = False
    signature: str | None = None  # thoughtSignature of the function call (Gemini 3)

    def usage(self) -> dict[str, int]:
        out = tokens(self.text or "") + (IMAGE_TOKENS if self.image else 0)
        if self.function_call:
            out += 5
        usage = {"promptTokenCount": self.prompt_tokens, "candidatesTokenCount": out}
        total = self.prompt_tokens + out
        if self.thought:
            usage["thoughtsTokenCount"] = tokens(self.thought)
            total += usage["thoughtsTokenCount"]
        usage["totalTokenCount"] = total
        return usage


def make_reply(req: ContentRequest, faults: Faults, small: bool = False) -> Reply:
    """The answer to ``req``; ``small`` shrinks images (EmulatorSettings.small_media)."""
    prompt = strip_markers(req.prompt)
    reply = Reply(None, None, None, None, "STOP", req.prompt_tokens)
    if "blocked" in faults:
        reply.blocked = True
        return reply
    if "safety" in faults:
        reply.safety = True
        reply.finish_reason = "SAFETY"
        return reply
    if req.include_thoughts:
        reply.thought = f"**Considering the request**\n\nThe user asked: {prompt}. I will echo it back."
    # "With ANY, the model is constrained to always predict a function call"
    # (ai.google.dev/gemini-api/docs/function-calling#function_calling_modes).
    if ("tool" in faults or req.must_call) and req.functions:
        fn = req.functions[0]
        reply.function_call = {"name": fn.get("name", "function"), "args": function_args(fn)}
        return reply
    text = f"Echo: {prompt}"
    if req.json_mode:  # JSON mode answers JSON only (ai.google.dev/gemini-api/docs/structured-output)
        text = json.dumps(sample_of(req.json_schema) if req.json_schema else {"echo": prompt})
    if req.want_image and "no-image" not in faults:
        w, h = image_dimensions(req.aspect_ratio, req.image_size, small)
        png = make_png(w, h, seed=prompt)
        reply.image = {"mimeType": "image/png", "data": base64.b64encode(png).decode("ascii")}
        text = f"Here is your image ({req.aspect_ratio}, {w}x{h}). Echo: {prompt}"
    if req.max_tokens is not None and req.max_tokens < 5:
        text = " ".join(text.split()[: max(1, req.max_tokens)])
        reply.finish_reason = "MAX_TOKENS"
    reply.text = text
    return reply


SAFETY_RATINGS = [
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
]


def _envelope(model: str, response_id: str, **fields: Any) -> dict[str, Any]:
    return {**fields, "modelVersion": model, "responseId": response_id}


def _candidate(parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    return cand


def _parts(reply: Reply) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if reply.thought:
        parts.append({"text": reply.thought, "thought": True})
    if reply.function_call:
        parts.append(_call_part(reply))
    if reply.text is not None:
        parts.append({"text": reply.text})
    if reply.image:
        parts.append({"inlineData": reply.image})
    return parts


def _call_part(reply: Reply) -> dict[str, Any]:
    part: dict[str, Any] = {"functionCall": reply.function_call}
    if reply.signature:
        part["thoughtSignature"] = reply.signature
    return part


def response_body(reply: Reply, model: str) -> dict[str, Any]:
    """A complete GenerateContentResponse."""
    rid = secrets.token_urlsafe(12)
    if reply.blocked:
        return _envelope(
            model, rid,
            promptFeedback={"blockReason": "SAFETY", "safetyRatings": SAFETY_RATINGS},
            usageMetadata={"promptTokenCount": reply.prompt_tokens, "totalTokenCount": reply.prompt_tokens},
        )
    if reply.safety:
        cand = {"finishReason": "SAFETY", "index": 0, "safetyRatings": SAFETY_RATINGS}
        return _envelope(model, rid, candidates=[cand], usageMetadata=reply.usage())
    return _envelope(model, rid, candidates=[_candidate(_parts(reply), reply.finish_reason)],
                     usageMetadata=reply.usage())


def split_text(text: str, pieces: int = 3) -> list[str]:
    if len(text) < pieces:
        return [text]
    size = -(-len(text) // pieces)
    return [text[i : i + size] for i in range(0, len(text), size)]


def stream_bodies(reply: Reply, model: str) -> list[dict[str, Any]]:
    """The events of streamGenerateContent: thought, text in pieces, image; last has finishReason."""
    if reply.blocked or reply.safety:
        return [response_body(reply, model)]
    rid = secrets.token_urlsafe(12)
    chunks: list[list[dict[str, Any]]] = []
    if reply.thought:
        chunks.append([{"text": reply.thought, "thought": True}])
    if reply.function_call:
        chunks.append([_call_part(reply)])
    if reply.text is not None:
        chunks.extend([{"text": piece}] for piece in split_text(reply.text))
    if reply.image:
        chunks.append([{"inlineData": reply.image}])
    usage = reply.usage()
    events = []
    for i, parts in enumerate(chunks):
        last = i == len(chunks) - 1
        events.append(_envelope(model, rid, candidates=[_candidate(parts, reply.finish_reason if last else None)],
                                usageMetadata=usage if last else {"promptTokenCount": reply.prompt_tokens}))
    return events

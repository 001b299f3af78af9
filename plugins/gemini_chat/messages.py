"""OpenAI messages -> Gemini contents and systemInstruction; remote images fetched before sending."""
from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import json
import re
from typing import Any

import aiohttp
import yarl

from plugins.gemini_chat import signatures
from proxy.hookspecs import RequestContext, invalid

MAX_INLINE_BYTES = 20 * 1024 * 1024  # Gemini's limit for a whole request with inline data
REMOTE_TIMEOUT = 20.0
MAX_REDIRECTS = 5
MAX_DATA_URI_HEADER = 1024  # "data:<mime>;<params>;base64," is short
DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*)(;base64)?,(.*)$", re.S)
AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mp3", "flac": "audio/flac", "aac": "audio/aac",
                 "ogg": "audio/ogg", "opus": "audio/ogg", "pcm16": "audio/pcm", "m4a": "audio/mp4",
                 "webm": "audio/webm", "aiff": "audio/aiff"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif", "image/gif"}
REMOTE_PLACEHOLDER = "__genproxy_remote__"


def _decode_b64(data: str, param: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"'{param}' is not valid base64.", param) from None


def _data_uri_part(url: str, param: str, allowed: set[str] | None, what: str) -> dict:
    # The header (before the first comma) is bounded before any regex sees it: the event loop must not
    # spend seconds on a megabyte of ";a=b" parameters.
    comma = url.find(",", 0, MAX_DATA_URI_HEADER)
    match = DATA_URI.match(url[:comma + 1]) if comma >= 0 else None
    if not match or not match.group(3):
        raise invalid(f"'{param}' must be a base64 data URI (data:<mime>;base64,...) or an http(s) URL.", param)
    mime = (match.group(1) or "").lower()
    if allowed is not None and mime not in allowed:
        raise invalid(f"'{param}': {what} type '{mime or 'missing'}' is not supported; use one of "
                      f"{', '.join(sorted(allowed))}.", param)
    data = "".join(url[comma + 1:].split())  # whitespace out, ~30x faster than re.sub on megabytes
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
    call_id = str(call.get("id") or "")
    signatures.mark(part, call_id)  # restored in submit (signatures.restore)
    return call_id, fn["name"], part


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

    allow_private = bool(getattr(context.settings, "allow_private_image_urls", False))

    async def fetch(ref: dict) -> dict:
        url, param = ref["url"], ref["param"]
        try:
            async with await _open_public(session, url, param, allow_private) as resp:
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
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise invalid(f"Fetching '{param}' failed: {exc.__class__.__name__}.", param,
                          code="image_fetch_failed") from None
        return {"inlineData": {"mimeType": mime, "data": base64.b64encode(bytes(data)).decode("ascii")}}

    fetched = await asyncio.gather(*(fetch(parts[j][REMOTE_PLACEHOLDER]) for parts, j in slots))
    for (parts, j), part in zip(slots, fetched):
        parts[j] = part


async def _open_public(session: aiohttp.ClientSession, url: str, param: str, allow_private: bool):
    """GET a client-named URL, following redirects by hand so that every hop is checked: a client must
    not make the proxy fetch from loopback, private or link-local addresses (cloud metadata, admin
    ports) unless allow_private_image_urls is set."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            # yarl refuses what urllib would read another way (http://127.0.0.1:P\@example.com/: a backslash
            # in the authority), which was a 500 with a traceback (issue 25.9): one parse, checked and fetched.
            parsed = yarl.URL(url)
        except ValueError as exc:
            raise invalid(f"'{param}' is not a valid URL: {exc}", param, code="invalid_url") from None
        if not allow_private:
            await _check_public(parsed, param)
        resp = await session.get(parsed, timeout=aiohttp.ClientTimeout(total=REMOTE_TIMEOUT), allow_redirects=False)
        if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
            try:
                url = str(resp.url.join(yarl.URL(resp.headers["Location"])))
            except ValueError:
                raise invalid(f"'{param}' redirects to an invalid URL.", param, code="image_fetch_failed") from None
            finally:
                resp.release()
            if not url.startswith(("http://", "https://")):
                raise invalid(f"'{param}' redirects to a URL that is not http(s).", param, code="url_not_allowed")
            continue
        return resp
    raise invalid(f"'{param}' redirects more than {MAX_REDIRECTS} times.", param, code="image_fetch_failed")


async def _check_public(url: yarl.URL, param: str) -> None:
    host = url.host or ""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError:
            raise invalid(f"Fetching '{param}' failed: cannot resolve {host}.", param, code="image_fetch_failed") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if any(not a.is_global for a in addresses):
        raise invalid(f"'{param}' points at a private or local address; the proxy fetches only public URLs "
                      "(set allow_private_image_urls to change that).", param, code="url_not_allowed")

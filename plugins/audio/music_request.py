"""A chat request to a Lyria model as Gemini's generateContent body. Pure: no I/O.

Body (music page; research note section 2.2): ``{"contents": [{"role": "user", "parts": [{"text": prompt},
{"inlineData": {"mimeType": "image/jpeg", "data": ...}}...]}], "generationConfig": {"responseModalities":
["AUDIO", "TEXT"]}}``; WAV from Lyria 3.5 adds ``"responseFormat": {"audio": {"mimeType": "audio/wav"}}``.
There is no duration parameter: "For the Pro model, specify the desired duration in the prompt", so
``music_config.duration_seconds`` is written into the prompt, and refused for the clip unless it is 30.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from plugins.audio import music_limits
from proxy.hookspecs import ChatCompletionRequest, invalid, parse_data_uri, parse_request

FORMAT_MIME = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class MusicConfig(BaseModel):
    """genproxy's chat extension for Lyria (``music_config``)."""

    model_config = ConfigDict(extra="forbid")
    duration_seconds: int | None = Field(None, ge=1, description="written into the prompt (Lyria has no "
                                                                 "duration parameter); the clip is always 30 s")
    instrumental: bool = Field(False, description="asks for no vocals")


def build_body(request: ChatCompletionRequest, model_id: str) -> tuple[dict, dict]:
    """The generateContent body and the notes kept with the job."""
    model = music_limits.limits_for(model_id)
    if request.modalities is not None and "audio" not in request.modalities:
        raise invalid(f"'{request.model}' makes music: send modalities [\"audio\", \"text\"].", "modalities")
    for name in ("tools", "functions", "response_format"):
        if request.extra(name):
            raise invalid(f"'{name}' does not apply to a music model.", name)
    if (request.n or 1) > 1:
        raise invalid("A music model makes one song per request (n=1).", "n")
    raw = request.extra("music_config") or {}
    if not isinstance(raw, dict):
        raise invalid("'music_config' must be an object.", "music_config")
    config = parse_request(MusicConfig, raw, "music_config.")
    audio = request.extra("audio") or {}
    fmt = str(audio.get("format") or "mp3") if isinstance(audio, dict) else "mp3"
    if fmt not in model.formats:
        raise invalid(f"{model_id} answers {' or '.join(model.formats)}, not '{fmt}'.", "audio.format")
    prompt, images = _prompt_and_images(request)
    if not prompt:
        raise invalid("Describe the music in the last user message.", "messages")
    if len(prompt) > music_limits.MAX_PROMPT_CHARS:
        raise invalid(f"The music prompt is {len(prompt)} characters; the limit is {music_limits.MAX_PROMPT_CHARS}.",
                      "messages", code="string_above_max_length")
    seconds = config.duration_seconds
    if seconds is not None:
        if model.fixed_seconds and seconds != model.fixed_seconds:
            raise invalid(f"{model_id} always makes {model.fixed_seconds}-second clips; use a song model "
                          "(lyria-3-pro-preview, lyria-3.5) for other lengths.", "music_config.duration_seconds")
        if not model.fixed_seconds and not model.min_seconds <= seconds <= model.max_seconds:
            raise invalid(f"{model_id} makes songs of {model.min_seconds}-{model.max_seconds} seconds.",
                          "music_config.duration_seconds")
    text = prompt
    if seconds is not None and not model.fixed_seconds:
        text += f"\n\nMake the song {_length(seconds)} long."
    if config.instrumental:
        text += "\n\nInstrumental only, no vocals."
    generation: dict = {"responseModalities": ["AUDIO", "TEXT"]}
    if fmt != "mp3":
        generation["responseFormat"] = {"audio": {"mimeType": FORMAT_MIME[fmt]}}
    body = {"contents": [{"role": "user", "parts": [{"text": text}, *images]}], "generationConfig": generation}
    seconds_made = model.fixed_seconds or seconds
    notes = {"format": fmt, "seconds": seconds_made, "images": len(images), "expected": model.expected_seconds}
    return body, notes


def _length(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} seconds"
    return f"{minutes} minute{'s' if minutes > 1 else ''}" + (f" {rest} seconds" if rest else "")


def _prompt_and_images(request: ChatCompletionRequest) -> tuple[str, list[dict]]:
    """The last user message's text and its images (data URIs; Lyria takes up to 10). Music generation is
    single-turn (music page, Limitations): earlier messages are not sent."""
    message = next((m for m in reversed(request.messages) if m.role == "user"), None)
    if message is None:
        return "", []
    if isinstance(message.content, str) or message.content is None:
        return (message.content or "").strip(), []
    texts, images = [], []
    index = len(request.messages) - 1 - request.messages[::-1].index(message)
    for number, part in enumerate(message.content):
        param = f"messages[{index}].content[{number}]"
        if part["type"] == "text":
            texts.append(part["text"])
        elif part["type"] == "image_url":
            url = (part.get("image_url") or {}).get("url") if isinstance(part.get("image_url"), dict) else None
            if not isinstance(url, str) or not url.startswith("data:"):
                raise invalid("Send images for Lyria as data URIs (data:image/jpeg;base64,...).", param)
            parsed = parse_data_uri(url)
            if parsed is None:
                raise invalid("This image is not a valid base64 data URI.", param)
            mime, data = parsed["mime"], parsed["data"]
            if mime not in music_limits.IMAGE_TYPES:
                raise invalid(f"Lyria takes {', '.join(music_limits.IMAGE_TYPES)} images, not {mime}.", param)
            images.append({"inlineData": {"mimeType": mime, "data": data}})
        else:
            raise invalid(f"A music model takes text and images, not '{part['type']}' parts.", param)
    if len(images) > music_limits.MAX_IMAGES:
        raise invalid(f"Lyria takes up to {music_limits.MAX_IMAGES} images; got {len(images)}.",
                      f"messages[{index}].content")
    return "\n".join(t for t in texts if t).strip(), images

"""What each Gemini TTS model accepts, with sources (research note /work/research/audio.md section 1).

- Ids: google-genai 3.6.1 Interactions model enum (gemini-3.8-flash-tts, gemini-3.8-flash-lite-tts,
  gemini-3.1-flash-tts-preview); ai.google.dev/gemini-api/docs/speech-generation.
- Input: 8,192 tokens, output 16,384 tokens (ai.google.dev/gemini-api/docs/models/gemini-3.1-flash-tts-preview;
  the same for the 3.8 models in litellm's map, 3P). genproxy caps the text at OpenAI's 4,096 characters
  (openai speech_create_params: "The maximum length is 4096 characters"), which fits under 8,192 tokens.
- Speakers: one voice, or exactly two for a multi-speaker script (google-genai types.MultiSpeakerVoiceConfig:
  "Exactly two speaker voice configurations must be provided").
- Style: the 3.8 models read the text verbatim and take the style as ``parts[].speechMetadata.style``
  (ai.google.dev/gemini-api/docs/generate-content/speech-generation: "pass the verbatim transcript in
  parts[].text, attach turn-level styling in parts[].speech_metadata"); older models refuse that field and
  take the style as a spoken direction before the text ("Say cheerfully: ...").
- Audio: 25 tokens per second (litellm vertex_ai text_to_speech: ceil(duration * 25), 3P), so 16,384 output
  tokens are about 10.9 minutes.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_INPUT_CHARS = 4096
MAX_INSTRUCTIONS_CHARS = 4096
MAX_SPEAKERS = 2
AUDIO_TOKENS_PER_SECOND = 25


@dataclass(frozen=True)
class SpeechModel:
    id: str
    style_metadata: bool          # style in speechMetadata (3.8) rather than spoken direction in the text
    input_tokens: int = 8192
    output_tokens: int = 16384
    note: str = ""


SPEECH_MODELS: dict[str, SpeechModel] = {m.id: m for m in (
    SpeechModel("gemini-3.8-flash-tts", True, note="GA; answers audio/wav"),
    SpeechModel("gemini-3.8-flash-lite-tts", True, note="GA; answers audio/wav; replaces 3.1 Flash TTS"),
    SpeechModel("gemini-3.1-flash-tts-preview", False,
                note="preview; answers audio/L16 PCM; replaced by gemini-3.8-flash-lite-tts"),
)}


def limits_for(model_id: str) -> SpeechModel:
    """The table's entry, or for an id it does not know (a route to a newer model): the 3.8 behaviour for
    ids after 3.1, the older one for 2.x-3.1 ids."""
    known = SPEECH_MODELS.get(model_id)
    if known is not None:
        return known
    older = model_id.startswith(("gemini-2", "gemini-3.0", "gemini-3.1", "gemini-3-"))
    return SpeechModel(model_id, style_metadata=not older)


def describe(model: SpeechModel) -> dict:
    from plugins.audio.encode import CHAT_FORMATS, FORMATS
    from plugins.audio.voices import listed

    return {"type": "speech", "max_input_chars": MAX_INPUT_CHARS, "max_speakers": MAX_SPEAKERS,
            "speed": {"min": 0.25, "max": 4.0}, "response_formats": list(FORMATS),
            "chat_audio_formats": list(CHAT_FORMATS), "voices": listed(),
            "input_tokens": model.input_tokens, "output_tokens": model.output_tokens,
            "style": "speechMetadata" if model.style_metadata else "text"}

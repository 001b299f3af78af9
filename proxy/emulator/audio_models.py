"""The emulator's speech (Gemini TTS) and music (Lyria) ids, kept apart from the main catalog.

Sources: research note /work/research/audio.md sections 1.1 and 2.1 (google-genai 3.6.1 Interactions model
enum; ai.google.dev speech-generation and music-generation pages). TTS models serve generateContent and
streamGenerateContent (changelog 2026-06-17; Cloud TTS page "Streaming" column), 8,192 tokens in and 16,384
out (gemini-3.1-flash-tts-preview model page). Lyria answers through generateContent (the "Generate Content
API (Legacy)" page) and the Interactions API; the emulator serves generateContent. The 2.5 TTS previews shut
down on 2026-11-17 (litellm map citing the deprecations page, 3P).
"""
from __future__ import annotations

TTS_METHODS = ("generateContent", "streamGenerateContent", "countTokens")
MUSIC_METHODS = ("generateContent", "countTokens")

# 3.8 TTS models read the transcript verbatim, take speechMetadata and answer audio/wav; older ones answer
# raw L16 PCM and refuse speechMetadata.
WAV_TTS = {"gemini-3.8-flash-tts", "gemini-3.8-flash-lite-tts"}

# The length of what each Lyria model makes: the clip always 30 s; songs "a couple of minutes" unless the
# prompt says otherwise (music page).
CLIP_SECONDS = 30
SONG_SECONDS = 120
MAX_SONG_SECONDS = 184


# (id, display name, kind, version); Gemini API only (Vertex serves TTS under other ids: Cloud TTS page).
AUDIO_MODELS: tuple[tuple[str, str, str, str], ...] = (
    ("gemini-3.8-flash-tts", "Gemini 3.8 Flash TTS", "tts", "3.8"),
    ("gemini-3.8-flash-lite-tts", "Gemini 3.8 Flash-Lite TTS", "tts", "3.8"),
    ("gemini-3.1-flash-tts-preview", "Gemini 3.1 Flash TTS Preview", "tts", "3.1"),
    ("lyria-3-clip-preview", "Lyria 3 Clip Preview", "music", "3.0"),
    ("lyria-3-pro-preview", "Lyria 3 Pro Preview", "music", "3.0"),
    ("lyria-3.5", "Lyria 3.5", "music", "3.5"),
)


def models(model_info: type) -> list:
    """The ids as the catalog's ModelInfo (passed in: proxy/emulator/models.py defines it and imports this)."""
    return [model_info(model_id, name, kind, TTS_METHODS if kind == "tts" else MUSIC_METHODS,
                       8_192, 16_384 if kind == "tts" else 8_192, version, vertex=False)
            for model_id, name, kind, version in AUDIO_MODELS]

RETIRED_AUDIO: dict[str, str] = {
    "gemini-2.5-flash-preview-tts": "gemini-3.8-flash-tts",
    "gemini-2.5-pro-preview-tts": "gemini-3.8-flash-tts",
}

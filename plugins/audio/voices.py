"""Voice names: Gemini's 30 prebuilt voices, OpenAI's names mapped onto them, and custom voice ids.

The 30 voices and their style words: ai.google.dev/gemini-api/docs/speech-generation#voice-options ("TTS
models support the following 30 voice options in the voice_name field"). Names are capitalised there;
clients may send any case and get the canonical spelling. OpenAI's voices (openai-python 3.63
speech_create_params ``voice``: alloy, ash, ballad, coral, echo, fable, onyx, nova, sage, shimmer, verse,
marin, cedar) map to the Gemini voice nearest in character (research note /work/research/audio.md
section 5; litellm 1.110 OPENAI_TO_GEMINI_TTS_VOICES agrees except nova, which litellm leaves unmapped).
Designed and replicated voices (``voice_...``) and stateless voice keys (``voicekey_...``) go to
``voiceConfig.voice`` (google-genai 3.6 types.VoiceConfig.voice; ai.google.dev voice-design page).
"""
from __future__ import annotations

GEMINI_VOICES: dict[str, str] = {
    "Zephyr": "Bright", "Puck": "Upbeat", "Charon": "Informative", "Kore": "Firm", "Fenrir": "Excitable",
    "Leda": "Youthful", "Orus": "Firm", "Aoede": "Breezy", "Callirrhoe": "Easy-going", "Autonoe": "Bright",
    "Enceladus": "Breathy", "Iapetus": "Clear", "Umbriel": "Easy-going", "Algieba": "Smooth",
    "Despina": "Smooth", "Erinome": "Clear", "Algenib": "Gravelly", "Rasalgethi": "Informative",
    "Laomedeia": "Upbeat", "Achernar": "Soft", "Alnilam": "Firm", "Schedar": "Even", "Gacrux": "Mature",
    "Pulcherrima": "Forward", "Achird": "Friendly", "Zubenelgenubi": "Casual", "Vindemiatrix": "Gentle",
    "Sadachbia": "Lively", "Sadaltager": "Knowledgeable", "Sulafat": "Warm",
}

OPENAI_VOICES: dict[str, str] = {
    "alloy": "Kore", "ash": "Iapetus", "ballad": "Algieba", "coral": "Sulafat", "echo": "Charon",
    "fable": "Umbriel", "onyx": "Orus", "nova": "Zephyr", "sage": "Vindemiatrix", "shimmer": "Achernar",
    "verse": "Puck", "marin": "Despina", "cedar": "Achird",
}

DEFAULT_VOICE = "Kore"  # alloy, OpenAI's default in its examples
CUSTOM_PREFIXES = ("voice_", "voicekey_")

_BY_LOWER = {name.lower(): name for name in GEMINI_VOICES}


def voice_config(voice: str) -> dict:
    """The Gemini voiceConfig for a voice name a client sent; ValueError with the reason when unknown."""
    if voice.startswith(CUSTOM_PREFIXES):
        return {"voice": voice}
    name = OPENAI_VOICES.get(voice.lower()) or _BY_LOWER.get(voice.lower())
    if name is None:
        raise ValueError(f"Unknown voice '{voice}'. Use one of OpenAI's voices ({', '.join(OPENAI_VOICES)}), "
                         f"one of Gemini's ({', '.join(GEMINI_VOICES)}), or a custom voice id "
                         "('voice_...' or 'voicekey_...').")
    return {"prebuiltVoiceConfig": {"voiceName": name}}


def listed() -> list[dict]:
    """Every name a client may send, for GET /v1/models/{id} limits and the console."""
    return ([{"name": n, "gemini_voice": v, "style": GEMINI_VOICES[v]} for n, v in OPENAI_VOICES.items()]
            + [{"name": n, "gemini_voice": n, "style": s} for n, s in GEMINI_VOICES.items()])

"""The emulator's model table: which ids Google serves in late 2026, with which methods.

One data module (no I/O). Sources, newest wins (see /work/shared/docs/google-2026-11.md):

- Retired ids: Google's deprecations page, ai.google.dev/gemini-api/docs/deprecations
  (gemini-3-pro-image-preview and gemini-3.1-flash-image-preview shut down 2026-06-25,
  gemini-3-pro-preview 2026-03-09, gemini-2.5-pro / gemini-2.5-flash 2026-06-17,
  gemini-2.5-flash-lite 2026-07-22, gemini-2.5-flash-image 2026-10-02) and, for
  veo-2.0-generate-001 (2026-06-30), 3P mulmocast-cli #1466. Every method on a retired id
  answers Google's 404 NOT_FOUND, exactly as an id that never existed.
- Live ids: the same page and google-genai 3.x's model list.
- supportedGenerationMethods: text/image models list generateContent, streamGenerateContent and
  countTokens; Veo lists predictLongRunning only (ModelService.GetModel for
  veo-2.0-generate-001, quoted in google-gemini-php/laravel #36). Gemini Omni *advertises*
  ``generateContent, countTokens`` but serves only the Interactions API: generateContent answers
  400 "This model only supports Interactions API." (3P, verified against the live API:
  TanStack/ai #871, allenhutchison/obsidian-gemini #1225). The emulator lists what Google lists
  and refuses what Google refuses, so a discovery client must treat Omni specially.
- Token limits: 1,048,576 in / 65,536 out for Gemini 3.x text and Omni (Omni's context:
  ai.google.dev/gemini-api/docs/models/gemini-omni-flash, quoted in TypeWhisper/typewhisper-win
  #406); Veo 480 in / 8,192 out (laravel #36). Image models: the emulator's own round numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import audio_models

TEXT_METHODS = ("generateContent", "streamGenerateContent", "countTokens")
VEO_METHODS = ("predictLongRunning",)
OMNI_METHODS = ("generateContent", "countTokens")  # advertised; see the module docstring


@dataclass(frozen=True)
class ModelInfo:
    """One model id as Google describes it (ModelService Model resource)."""

    id: str
    display_name: str
    kind: str  # "text", "image", "veo" or "omni"
    methods: tuple[str, ...]
    input_tokens: int
    output_tokens: int
    version: str
    gemini_api: bool = True  # served by generativelanguage
    vertex: bool = True  # served by Vertex AI (publishers/google/models/{id})
    description: str = ""

    @property
    def thinking_level(self) -> bool:
        """Gemini 3.x text models take thinkingConfig.thinkingLevel (ai.google.dev thinking docs)."""
        return self.kind == "text"

    def resource(self) -> dict:
        """The Gemini API Model resource (GET /v1beta/models/{id})."""
        return {
            "name": f"models/{self.id}",
            "baseModelId": self.id,
            "version": self.version,
            "displayName": self.display_name,
            "description": self.description or f"{self.display_name} (genproxy emulator)",
            "inputTokenLimit": self.input_tokens,
            "outputTokenLimit": self.output_tokens,
            "supportedGenerationMethods": list(self.methods),
        }


def _text(model_id: str, name: str, version: str = "3.0") -> ModelInfo:
    return ModelInfo(model_id, name, "text", TEXT_METHODS, 1_048_576, 65_536, version)


def _image(model_id: str, name: str) -> ModelInfo:
    return ModelInfo(model_id, name, "image", TEXT_METHODS, 131_072, 32_768, "3.0")


def _veo(model_id: str, name: str, *, gemini_api: bool = True, vertex: bool = True) -> ModelInfo:
    return ModelInfo(model_id, name, "veo", VEO_METHODS, 480, 8_192, model_id.split("-")[1],
                     gemini_api=gemini_api, vertex=vertex)


def _omni(model_id: str, name: str) -> ModelInfo:
    # The Interactions API is Gemini API only (3P: pydantic-ai #6192, genkit #5927: "Vertex is
    # gated on the Vertex Interactions rollout").
    return ModelInfo(model_id, name, "omni", OMNI_METHODS, 1_048_576, 65_536, "1.0", vertex=False)


LIVE_MODELS: dict[str, ModelInfo] = {
    m.id: m
    for m in (
        # text (deprecations page, google-genai 3.x model list)
        _text("gemini-3.8-flash", "Gemini 3.8 Flash", "3.8"),
        _text("gemini-3.7-flash", "Gemini 3.7 Flash", "3.7"),
        _text("gemini-3.6-flash", "Gemini 3.6 Flash", "3.6"),
        _text("gemini-3.5-flash", "Gemini 3.5 Flash", "3.5"),
        _text("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", "3.5"),
        _text("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", "3.1"),
        _text("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite", "3.1"),
        _text("gemini-3-flash-preview", "Gemini 3 Flash Preview", "3.0"),
        _text("gemini-flash-latest", "Gemini Flash Latest"),
        _text("gemini-pro-latest", "Gemini Pro Latest"),
        # images (gemini-3-pro-image GA 2026-05-28)
        _image("gemini-3-pro-image", "Nano Banana Pro"),
        _image("gemini-3.1-flash-image", "Nano Banana 2"),
        # Veo: the Gemini API ids and the Vertex AI -001 ids
        _veo("veo-3.1-generate-preview", "Veo 3.1"),
        _veo("veo-3.1-fast-generate-preview", "Veo 3.1 Fast"),
        _veo("veo-3.1-lite-generate-preview", "Veo 3.1 Lite"),
        _veo("veo-3.1-generate-001", "Veo 3.1", gemini_api=False),
        _veo("veo-3.1-fast-generate-001", "Veo 3.1 Fast", gemini_api=False),
        _veo("veo-3.1-lite-generate-001", "Veo 3.1 Lite", gemini_api=False),
        _veo("veo-3.0-generate-001", "Veo 3"),
        _veo("veo-3.0-fast-generate-001", "Veo 3 Fast"),
        # Gemini Omni (facts file section 2)
        _omni("gemini-omni-flash-preview", "Gemini Omni Flash Preview"),
        _omni("gemini-omni-1.1-flash", "Gemini Omni 1.1 Flash"),
        _omni("gemini-omni-1.2-flash", "Gemini Omni 1.2 Flash"),
    )
}
LIVE_MODELS.update({m.id: m for m in audio_models.models(ModelInfo)})  # speech and music: audio_models.py

#: Shut down; every method answers 404 NOT_FOUND (the value is Google's replacement, for docs).
RETIRED_MODELS: dict[str, str] = {
    "gemini-3-pro-image-preview": "gemini-3-pro-image",
    "gemini-3.1-flash-image-preview": "gemini-3.1-flash-image",
    "gemini-3-pro-preview": "gemini-3.1-pro-preview",
    "gemini-2.5-pro": "gemini-3.1-pro-preview",
    "gemini-2.5-flash": "gemini-3-flash-preview",
    "gemini-2.5-flash-lite": "gemini-3.1-flash-lite",
    "gemini-2.5-flash-image": "gemini-3.1-flash-image",
    "veo-2.0-generate-001": "veo-3.1-generate-preview",
    **audio_models.RETIRED_AUDIO,
}


def gemini_api_model(model_id: str) -> ModelInfo | None:
    """The model generativelanguage serves under this id, or None (unknown or retired)."""
    info = LIVE_MODELS.get(model_id)
    return info if info is not None and info.gemini_api else None


def vertex_model(model_id: str) -> ModelInfo | None:
    """The model Vertex AI serves under publishers/google/models/{id}, or None."""
    info = LIVE_MODELS.get(model_id)
    return info if info is not None and info.vertex else None


def gemini_api_models() -> list[ModelInfo]:
    """ListModels order: as in the table."""
    return [m for m in LIVE_MODELS.values() if m.gemini_api]

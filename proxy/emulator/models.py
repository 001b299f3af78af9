"""The emulator's model catalog: which ids Google serves, where, with which methods, and which it retired.

The catalog is data: one YAML file per snapshot of Google in ``proxy/emulator/catalogs/`` (``2026-11.yaml``,
``2026-12.yaml``; the format is described at the top of 2026-11.yaml), chosen by
``EmulatorSettings.catalog`` (a snapshot name or a file path; default the newest) and switchable while the
emulator runs (``PUT /emulator/catalog``). This module only reads it (no I/O after loading).

Method facts (unchanged from the table this replaced): text/image models list generateContent,
streamGenerateContent and countTokens; Veo lists predictLongRunning only (ModelService.GetModel for
veo-2.0-generate-001, quoted in google-gemini-php/laravel #36). Gemini Omni *advertises*
``generateContent, countTokens`` but serves only the Interactions API: generateContent answers 400 "This
model only supports Interactions API." (3P, verified against the live API: TanStack/ai #871). Token
limits: 1,048,576 in / 65,536 out for Gemini 3.x text and Omni (Omni's model card, quoted in
TypeWhisper/typewhisper-win #406); Veo 480 in / 8,192 out (laravel #36); image models: round numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import audio_models

TEXT_METHODS = ("generateContent", "streamGenerateContent", "countTokens")
VEO_METHODS = ("predictLongRunning",)
OMNI_METHODS = ("generateContent", "countTokens")  # advertised; see the module docstring
CATALOGS_DIR = Path(__file__).resolve().parent / "catalogs"
KINDS = ("text", "image", "veo", "omni")
#: Vertex AI serves Gemini 3.x text and image models at the `global` location only (Vertex locations
#: page; 3P: DefangLabs/samples #652; shared/docs/google-2026-12.md section 3).
GEMINI_VERTEX_LOCATIONS = ("global",)


class CatalogError(ValueError):
    """A catalog file that cannot be used."""


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
    vertex_locations: tuple[str, ...] | None = None  # None: every region
    limits: str | None = None  # the Veo limits family of a veo model

    @property
    def thinking_level(self) -> bool:
        """Gemini 3.x text models take thinkingConfig.thinkingLevel (ai.google.dev thinking docs)."""
        return self.kind == "text"

    def served_at(self, location: str) -> bool:
        return self.vertex_locations is None or location in self.vertex_locations

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


@dataclass(frozen=True)
class RetiredInfo:
    id: str
    replacement: str | None
    apis: tuple[str, ...] = ("gemini", "vertex")

    def gemini_message(self) -> str:
        """The Gemini API's answer to any call naming a shut-down id (3P: jt196/vanilla-cookbook #421,
        "This model is no longer available to new users. Use gemini-3.6-flash...")."""
        use = f" Use {self.replacement} instead." if self.replacement else ""
        return f"This model models/{self.id} is no longer available to new users.{use}"


_DEFAULTS = {  # kind -> (methods, input tokens, output tokens, apis, vertex locations)
    "text": (TEXT_METHODS, 1_048_576, 65_536, ("gemini", "vertex"), GEMINI_VERTEX_LOCATIONS),
    "image": (TEXT_METHODS, 131_072, 32_768, ("gemini", "vertex"), GEMINI_VERTEX_LOCATIONS),
    "veo": (VEO_METHODS, 480, 8_192, ("gemini", "vertex"), None),
    # The Interactions API is Gemini API only (3P: pydantic-ai #6192, genkit #5927).
    "omni": (OMNI_METHODS, 1_048_576, 65_536, ("gemini",), None),
}


@dataclass
class Catalog:
    """One snapshot of Google: the live models and the retired ids."""

    snapshot: str
    models: dict[str, ModelInfo] = field(default_factory=dict)
    retired: dict[str, RetiredInfo] = field(default_factory=dict)
    source: str = ""

    def gemini_api_model(self, model_id: str) -> ModelInfo | None:
        """The model generativelanguage serves under this id, or None (unknown or retired)."""
        info = self.models.get(model_id)
        return info if info is not None and info.gemini_api else None

    def vertex_model(self, model_id: str, location: str | None = None) -> ModelInfo | None:
        """The model Vertex AI serves under publishers/google/models/{id} (at ``location``), or None."""
        info = self.models.get(model_id)
        if info is None or not info.vertex:
            return None
        return info if location is None or info.served_at(location) else None

    def gemini_api_models(self) -> list[ModelInfo]:
        """ListModels order: as in the file."""
        return [m for m in self.models.values() if m.gemini_api]

    def retired_on(self, model_id: str, api: str) -> RetiredInfo | None:
        info = self.retired.get(model_id)
        return info if info is not None and api in info.apis else None

    def kind_of(self, model_id: str) -> str | None:
        info = self.models.get(model_id)
        return info.kind if info is not None else None


def _model(entry: dict, where: str) -> ModelInfo:
    try:
        model_id, kind = str(entry["id"]), str(entry["kind"])
    except (KeyError, TypeError):
        raise CatalogError(f"{where}: each model needs an id and a kind") from None
    if kind not in _DEFAULTS:
        raise CatalogError(f"{where}: unknown kind '{kind}' (known: {', '.join(KINDS)})")
    methods, inputs, outputs, apis, locations = _DEFAULTS[kind]
    apis = tuple(entry.get("apis") or apis)
    if "vertex_locations" in entry:
        locations = tuple(entry["vertex_locations"]) if entry["vertex_locations"] else None
    version = str(entry.get("version") or (model_id.split("-")[1] if kind == "veo" else "1.0" if kind == "omni"
                                            else "3.0"))
    return ModelInfo(model_id, str(entry.get("name") or model_id), kind, methods, inputs, outputs, version,
                     gemini_api="gemini" in apis, vertex="vertex" in apis, vertex_locations=locations,
                     limits=entry.get("limits"))


def parse_catalog(text: str, source: str) -> Catalog:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        raise CatalogError(f"{source}: expected a 'models:' list")
    catalog = Catalog(str(raw.get("snapshot") or Path(source).stem), source=source)
    for index, entry in enumerate(raw["models"]):
        info = _model(entry, f"{source}: model #{index + 1}")
        catalog.models[info.id] = info
    # speech and music (audio_models.py, its own sources) in every snapshot
    catalog.models.update({m.id: m for m in audio_models.models(ModelInfo)})
    for model_id, replacement in audio_models.RETIRED_AUDIO.items():
        catalog.retired.setdefault(model_id, RetiredInfo(model_id, replacement))
    for index, entry in enumerate(raw.get("retired") or []):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise CatalogError(f"{source}: retired #{index + 1}: needs an id")
        gone = RetiredInfo(str(entry["id"]), entry.get("replacement"), tuple(entry.get("apis") or ("gemini", "vertex")))
        for api in gone.apis:
            live = catalog.models.get(gone.id)
            if live is not None and (live.gemini_api if api == "gemini" else live.vertex):
                raise CatalogError(f"{source}: '{gone.id}' is both live and retired on {api}")
        catalog.retired[gone.id] = gone
    return catalog


def snapshots() -> list[str]:
    """The shipped snapshot names, oldest first."""
    return sorted(p.stem for p in CATALOGS_DIR.glob("*.yaml"))


NEWEST = snapshots()[-1]


def load_catalog(name: str | None = None) -> Catalog:
    """A shipped snapshot by name ("2026-11"), or a catalog file by path; None: the newest snapshot."""
    name = name or NEWEST
    path = CATALOGS_DIR / f"{name}.yaml"
    if not path.is_file():
        path = Path(name)
        if not path.is_file():
            raise CatalogError(f"no catalog '{name}': name a snapshot ({', '.join(snapshots())}) or a YAML file")
    return parse_catalog(path.read_text(encoding="utf-8"), str(path))

"""EmulatorSettings: the knobs of the emulator (all optional)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from .faults import parse_marker


class EmulatorSettings(BaseModel):
    """Settings of the emulator; the defaults suit an interactive, offline user."""

    api_keys: list[str] = Field(
        default_factory=list,
        description="Accepted API keys / bearer tokens; empty = any non-empty value is accepted. "
        "Tokens issued by POST /token are always accepted.",
    )
    operation_delay: float = Field(2.0, ge=0, description="Seconds before a Veo operation is done.")
    video_padding_bytes: int = Field(
        0, ge=0, description="Pad every MP4 (with a trailing `free` box) to at least this size."
    )
    small_media: bool = Field(
        False, description="Shrink generated images 16-fold (--small): for tests that do not look at the media. "
        "By default images have the pixel size Google makes (a 4K image is tens of MB).",
    )
    record_answers: bool = Field(
        False, description="Keep each JSON answer beside its recorded request (RecordedRequest.answer): for "
        "tests that check the answers against Google's published schemas. Off by default: a Vertex Veo answer "
        "carries its videos' bytes.",
    )
    faults: list[str] = Field(
        default_factory=list,
        description="Faults applied to every request, same names as the [emulate:NAME] markers.",
    )

    data_dir: Path | None = Field(
        None,
        description="Keep operations and generated files here (one JSON file per operation), so a "
        "restarted emulator still answers them; None = in memory only.",
    )
    vertex_disabled_projects: list[str] = Field(
        default_factory=list,
        description="Vertex projects whose Vertex AI API is disabled (403 SERVICE_DISABLED); "
        "project ids starting with 'no-vertex' are always disabled.",
    )
    codeassist_licensed: bool = Field(
        True,
        description="False: every Code Assist account lacks a licence (403). Tokens containing "
        "'unlicensed' are always refused.",
    )

    catalog: str | None = Field(
        None,
        description="Which Google the emulator plays: a snapshot of proxy/emulator/catalogs/ (2026-11, "
        "2026-12) or a catalog YAML file; None = the newest snapshot.",
    )

    @field_validator("catalog")
    @classmethod
    def _known_catalog(cls, catalog: str | None) -> str | None:
        from .models import load_catalog

        load_catalog(catalog)  # raises CatalogError (a ValueError) naming the snapshots
        return catalog

    @field_validator("faults")
    @classmethod
    def _known_faults(cls, faults: list[str]) -> list[str]:
        for fault in faults:
            parse_marker(fault)  # raises ValueError on an unknown name
        return faults

"""The replacements Google names for the models it shut down, each with its source: the last resort when
routes.yaml names no replacement and the model's family has no newer live id (proxy/catalog/catalog.py).
A Google 404 that names one ("... Use X instead.") is taken over this table."""
from __future__ import annotations

#: id -> (replacement, source). shared/docs/google-2026-12.md section 1.
GOOGLE_REPLACEMENTS: dict[str, tuple[str, str]] = {
    "veo-2.0-generate-001": ("veo-3.1-generate-001", "Gemini API changelog 2026-06-15; Vertex Veo 3 page migration table"),
    "veo-3.0-generate-001": ("veo-3.1-generate-001", "Gemini API changelog 2026-06-15; Vertex Veo 3 page migration table"),
    "veo-3.0-fast-generate-001": ("veo-3.1-fast-generate-001",
                                  "Gemini API changelog 2026-06-15; Vertex Veo 3 page migration table"),
    "imagen-4.0-generate-001": ("gemini-3.1-flash-image", "Gemini API changelog 2026-06-15"),
    "imagen-4.0-ultra-generate-001": ("gemini-3.1-flash-image", "Gemini API changelog 2026-06-15"),
    "imagen-4.0-fast-generate-001": ("gemini-3.1-flash-image", "Gemini API changelog 2026-06-15"),
    "gemini-omni-flash-preview": ("gemini-omni-1.1-flash", "3P: dev.to 'Gemini API Shutdowns 30 Sept', quoting the "
                                  "deprecations page"),
    "veo-3.1-generate-preview": ("gemini-omni-1.1-flash", "3P: docs.apiyi.com notice 2026-10-25, citing the "
                                 "deprecations page"),
    "veo-3.1-fast-generate-preview": ("gemini-omni-1.1-flash", "3P: docs.apiyi.com notice 2026-10-25"),
    "veo-3.1-lite-generate-preview": ("gemini-omni-1.1-flash", "3P: docs.apiyi.com notice 2026-10-25"),
    "gemini-2.5-pro": ("gemini-3.8-flash", "deprecations page, late 2026 snapshots"),
    "gemini-2.5-flash": ("gemini-3.8-flash", "deprecations page, late 2026 snapshots"),
    "gemini-2.5-flash-lite": ("gemini-3.5-flash-lite", "deprecations page, late 2026 snapshots"),
}

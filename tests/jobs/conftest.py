"""The job-store tests submit through the Videos API without naming a model and count Veo operations in the
emulator's request log: their proxies default to Veo (genproxy's own default video model is Gemini Omni)."""
from __future__ import annotations

from typing import Any

import pytest

VEO = "veo-3.1-generate-preview"


@pytest.fixture
def make_settings(make_settings):
    def make(**overrides: Any):
        overrides.setdefault("default_video_model", VEO)
        return make_settings(**overrides)

    return make

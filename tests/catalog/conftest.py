"""The catalog tests play Google as of December 2026 (the emulator's 2026-12 snapshot) unless a test switches."""
from __future__ import annotations

import pytest

from tests.upstreams.conftest import token_file


@pytest.fixture
async def emulator(make_emulator):
    return await make_emulator(catalog="2026-12")


@pytest.fixture
def ccs_token(tmp_path):
    """A CCS token file in the proxy's auth dir (Vertex AI credentials)."""
    return token_file(tmp_path / "auth", access_token="ya29.vertex-token", project_id="ccs-project")

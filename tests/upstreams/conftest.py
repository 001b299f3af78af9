"""Fixtures for the credential and upstream tests: token files, upstreams built on a real session."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from proxy.upstreams.registry import build_upstreams

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def token_file(folder: Path, name: str = "gemini-user@example.com-proj-a.json", *, access_token: str = "ya29.valid-token-A",
               refresh_token: str = "1//refresh-token-A", expires_in: float = 3600, project_id: str = "proj-a",
               email: str = "user@example.com", type: str = "gemini", **extra: Any) -> Path:
    """Write a CCS-shaped token file (wire-formats section 6) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    expiry = (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat().replace("+00:00", "Z")
    data = {"type": type, "email": email, "project_id": project_id,
            "token": {"access_token": access_token, "token_type": "Bearer", "refresh_token": refresh_token,
                      "expiry": expiry, "token_uri": "https://oauth2.googleapis.com/token",
                      "client_id": "client-id-123.apps.googleusercontent.com", "client_secret": "client-secret-XYZ",
                      "scopes": [CLOUD_PLATFORM, "https://www.googleapis.com/auth/userinfo.email"]},
            **extra}
    path = folder / name
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    return path


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(trust_env=False) as s:
        yield s


@pytest.fixture
def auth_dir(tmp_path) -> Path:
    path = tmp_path / "auth"
    path.mkdir()
    return path


@pytest.fixture
def build(make_settings, session):
    """build(**settings overrides) -> UpstreamRegistry on a real session, against the emulator."""

    def make(**overrides: Any):
        return build_upstreams(make_settings(**overrides), session)

    return make


def sent(emulator, fragment: str):
    """Requests the emulator received whose path contains ``fragment``."""
    return emulator.state.requests_to(fragment)


def header(request, name: str) -> str | None:
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)

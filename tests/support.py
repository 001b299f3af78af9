"""Constants and small helpers the tests share."""
from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLIENT_KEY = "test-client-key-0001"
UPSTREAM_KEY = "test-upstream-key-0001"
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}


def chat(model: str, prompt: str = "hello", **extra: Any) -> dict:
    """An OpenAI chat completions body with one user message."""
    return {"model": model, "messages": [{"role": "user", "content": prompt}], **extra}


def assert_openai_error(body: dict, code: str | None = None, param: str | None = None) -> dict:
    error = body["error"]
    assert set(error) >= {"message", "type", "param", "code"}, error
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert error["param"] == param, error
    return error

"""Settings: YAML file plus environment; the environment wins; bad keys name themselves."""
from __future__ import annotations

from pathlib import Path

import pytest

from proxy.config import GOOGLE_GEMINI_BASE_URL, ConfigError, load_settings


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "genproxy.yaml"
    path.write_text(text)
    return path


def test_defaults_without_file_or_environment():
    s = load_settings(None, environ={})
    assert s.api_keys == [] and s.gemini_api_keys == []
    assert s.gemini_base_url == GOOGLE_GEMINI_BASE_URL
    assert s.auth_dir == Path("~/.ccs/cliproxy/auth").expanduser()


def test_environment_names(tmp_path):
    s = load_settings(None, environ={
        "GENPROXY_API_KEYS": "client-a, client-b,,",
        "GEMINI_API_KEY": "up-1,up-2",
        "GEMINI_BASE_URL": "http://127.0.0.1:9999",
        "GENPROXY_AUTH_DIR": str(tmp_path / "auth"),
    })
    assert [k.key for k in s.api_keys] == ["client-a", "client-b"]
    assert s.gemini_api_keys == ["up-1", "up-2"]
    assert s.gemini_base_url == "http://127.0.0.1:9999"
    assert s.auth_dir == tmp_path / "auth"


def test_file_values_and_environment_wins(tmp_path):
    path = write(tmp_path, "api_keys: [file-key]\ngemini_api_keys: file-up-1, file-up-2\n"
                           "gemini_base_url: http://file.example\nmax_body_bytes: 2048\nauth_dir: ~/tokens\n")
    s = load_settings(path, environ={})
    assert [k.key for k in s.api_keys] == ["file-key"]
    assert s.gemini_api_keys == ["file-up-1", "file-up-2"]
    assert s.max_body_bytes == 2048
    assert s.auth_dir == Path("~/tokens").expanduser()
    s = load_settings(path, environ={"GENPROXY_API_KEYS": "env-key", "GEMINI_BASE_URL": "http://env.example",
                                     "GEMINI_API_KEY": "env-up", "GENPROXY_AUTH_DIR": str(tmp_path)})
    assert [k.key for k in s.api_keys] == ["env-key"]
    assert s.gemini_api_keys == ["env-up"]
    assert s.gemini_base_url == "http://env.example"
    assert s.auth_dir == tmp_path
    assert s.max_body_bytes == 2048, "keys the environment does not set keep the file's value"


def test_unknown_key_in_file_is_named(tmp_path):
    path = write(tmp_path, "api_keys: [a]\nmax_body_byte: 10\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert "max_body_byte" in str(info.value) and str(path) in str(info.value)
    assert "unknown" in str(info.value)


def test_wrong_type_in_file_is_named(tmp_path):
    path = write(tmp_path, "max_body_bytes: lots\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert "max_body_bytes" in str(info.value)
    path = write(tmp_path, "routes_reload_interval: -1\n")
    with pytest.raises(ConfigError, match="routes_reload_interval"):
        load_settings(path, environ={})


def test_file_that_is_not_a_mapping_or_not_yaml(tmp_path):
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(write(tmp_path, "- a\n- b\n"), environ={})
    with pytest.raises(ConfigError, match="YAML"):
        load_settings(write(tmp_path, "api_keys: [a\n"), environ={})
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.yaml", environ={})


def test_empty_file_is_fine(tmp_path):
    assert load_settings(write(tmp_path, ""), environ={}).api_keys == []


def test_real_environment_is_read(monkeypatch):
    monkeypatch.setenv("GENPROXY_API_KEYS", "from-os-environ")
    assert [k.key for k in load_settings(None).api_keys] == ["from-os-environ"]


def test_the_shipped_routes_file_is_used_outside_a_checkout(tmp_path, monkeypatch):
    from proxy.config import SHIPPED_ROUTES

    monkeypatch.chdir(tmp_path)
    assert load_settings(None, environ={}).routes_file == SHIPPED_ROUTES
    (tmp_path / "routes.yaml").write_text("routes: []\n")
    assert load_settings(None, environ={}).routes_file == Path("routes.yaml")
    assert load_settings(None, environ={}, routes_file=Path("mine.yaml")).routes_file == Path("mine.yaml")


def test_google_application_credentials_names_the_vertex_account_file(tmp_path):
    key = tmp_path / "sa.json"
    settings = load_settings(None, environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
    assert settings.vertex_service_account_file == key

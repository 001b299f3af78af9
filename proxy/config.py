"""Settings: a YAML file plus the environment (the environment wins).

The environment names are a public contract:
GENPROXY_API_KEYS, GEMINI_API_KEY, GEMINI_BASE_URL, GENPROXY_AUTH_DIR, GENPROXY_JOBS_DB.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

GOOGLE_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
GOOGLE_CODEASSIST_BASE_URL = "https://cloudcode-pa.googleapis.com"
SHIPPED_ROUTES = Path(__file__).resolve().parents[1] / "routes.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the reason."""


def _split_csv(value):
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class ClientKey(BaseModel):
    """A client key with an identity: responses, logs and metrics name it by ``name``, never by the key."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1)
    name: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[\w.@:-]+$")
    budget_usd: float | None = Field(None, ge=0, description="Most this key may spend per budget_period")
    budget_period: Literal["day", "month", "total"] = "month"
    max_jobs: int | None = Field(None, ge=1, description="Unfinished video jobs at once (overrides max_jobs_per_key)")
    models: list[str] | None = Field(None, description="Globs of the models this key may use (default: all)")
    callback_url: str | None = Field(None, description="Default webhook URL of this key's videos")
    chat_video_links: bool | None = Field(None, description="Chat video answers also carry, in content, a "
                                          "<video> block with a signed link (what Open WebUI plays); "
                                          "default: the route's, then the global setting")

    @functools.cached_property
    def label(self) -> str:
        """The key's name, or a short hash of it (never the key); read on every request, so kept."""
        return self.name or "key-" + hashlib.sha256(self.key.encode()).hexdigest()[:8]


def _as_client_keys(value):
    value = _split_csv(value)
    if not isinstance(value, list):
        return value
    return [{"key": item} if isinstance(item, str) else item for item in value]


class Settings(BaseModel):
    # validate_default: the defaults too go through the validators (so "~" in a default path is expanded).
    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=True)

    api_keys: list[ClientKey] = Field(default_factory=list, description="Client keys accepted by /v1/* "
                                      "(GENPROXY_API_KEYS): strings, or {key, name, budget_usd, budget_period, "
                                      "max_jobs, models, callback_url}")
    admin_keys: list[ClientKey] = Field(default_factory=list, description="Keys that also see every key's usage "
                                        "(and are accepted like api_keys)")
    gemini_api_keys: list[str] = Field(default_factory=list, description="Upstream Gemini API keys (GEMINI_API_KEY)")
    gemini_base_url: str = Field(GOOGLE_GEMINI_BASE_URL, description="Base URL of the gemini upstream (GEMINI_BASE_URL)")
    vertex_base_url: str | None = Field(None, description="Base URL of Vertex AI; default https://{location}-aiplatform.googleapis.com")
    vertex_location: str = "us-central1"
    vertex_project: str | None = None
    vertex_service_account_file: Path | None = None
    codeassist_base_url: str = GOOGLE_CODEASSIST_BASE_URL
    auth_dir: Path = Field(Path("~/.ccs/cliproxy/auth"), description="CCS OAuth token folder (GENPROXY_AUTH_DIR)")
    token_uri: str | None = Field(None, description="Override of the OAuth token endpoint (tests, emulator)")
    auth_dir_poll_interval: float = Field(1.0, gt=0, description="Seconds between checks of the auth dir for changes")
    routes_file: Path = Field(Path("routes.yaml"), description="routes.yaml; if the default is not in the "
                              "current folder, the one shipped with genproxy is used")
    public_base_url: str | None = Field(None, description="How clients reach this proxy (behind a reverse proxy); "
                                        "default: the address of each request")
    allowed_hosts: list[str] = Field(default_factory=list, description="Host names (the Host header) this proxy "
                                     "answers besides localhost, IP addresses and public_base_url's host; "
                                     "'.example.com' allows its subdomains, '*' any (refuses DNS rebinding)")
    allowed_origins: list[str] = Field(default_factory=list, description="Web origins (https://app.example.com) "
                                       "whose browser pages may call /v1 besides the proxy's own (the console); "
                                       "other cross-site browser requests are refused")
    routes_reload_interval: float = Field(1.0, gt=0)
    data_dir: Path = Path("~/.local/share/genproxy")
    jobs_db: Path | str | None = Field(None, description="The job store: a postgresql://user:password@host/db URL "
                                       "(several instances share it), or a SQLite file; default "
                                       "data_dir/jobs.sqlite3 (GENPROXY_JOBS_DB)")
    job_lease_seconds: float = Field(30.0, gt=0, description="An instance holds each job it polls for this long, "
                                     "renewing it as it goes; when it dies another takes the job over after this")
    cooldown_sync_interval: float = Field(1.0, gt=0, description="Seconds between reads of the credential "
                                          "cooldowns other instances reported (a 429 cools a key on all)")
    media_dir: Path | None = Field(None, description="Where finished videos are kept; default data_dir/media. "
                                   "Share it between instances so any of them serves any video")
    max_body_bytes: int = Field(32 * 1024 * 1024, gt=0)
    body_bytes_in_flight: int = Field(64 * 1024 * 1024, gt=0, description="Bytes of large request bodies (256 KB "
                                      "and up) read and parsed at once; the next waits, unread, until one is "
                                      "parsed (at least max_body_bytes)")
    max_prompt_chars: int = Field(16 * 1_048_576, gt=0, description="Most characters of text in a request's "
                                  "messages; past it: 400 prompt_too_long before anything is sent (Gemini reads at "
                                  "most 1,048,576 tokens of about 4 characters: see proxy/http/models.py)")
    max_json_depth: int = Field(64, ge=4, description="Deepest nesting of arrays and objects in a JSON body")
    max_json_values: int = Field(200_000, ge=1000, description="Most values (array items, object members) in a "
                                 "JSON body, counted before it is parsed; past it: 413 too_many_values")
    max_json_integer_digits: int = Field(32, ge=20, description="Most digits of an integer in a JSON body")
    upstream_timeout: float = Field(120.0, gt=0)
    max_upstream_reply_bytes: int = Field(256 * 1024 * 1024, gt=0, description="Largest JSON answer from Google, "
                                          "as sent and decompressed (a Vertex AI Veo operation with its videos "
                                          "inline is the largest real one, tens of MB); past it: 502 "
                                          "upstream_too_large")
    upstream_max_event_bytes: int = Field(
        64 * 1024 * 1024, ge=1024 * 1024,
        description="Largest streamed upstream event taken (a 4K image arrives as one event of 10+ MB); past it "
                    "the answer is a 502 upstream_too_large")
    upstream_client: Literal["http1", "aiohttp"] = Field(
        "http1", description="What sends the JSON calls to Google (generateContent, operations, interactions): "
        "genproxy's keep-alive HTTP/1.1 client (proxy/upstreams/http1.py; ~40 µs less CPU per request) or "
        "aiohttp's ClientSession, which streams and downloads always use")
    failure_replay_seconds: float = Field(600.0, ge=0, description="For this long after a video job failed, "
                                          "the identical request (same key, same body) gets that failure again "
                                          "instead of a new paid generation (clients that retry whatever the "
                                          "answer says); 0 turns it off")
    video_deadline: float = Field(600.0, gt=0, description="Seconds a video request may wait for its operation")
    poll_initial_delay: float = Field(5.0, ge=0)
    poll_max_delay: float = Field(10.0, gt=0)
    poll_retries: int = Field(5, ge=0)
    poll_learned: bool = Field(True, description="Poll each video job on a plan drawn from how long its model, "
                               "resolution and length took before (the job store's history; Google's published "
                               "11 s to 6 min until then): rarely early, every poll_min_interval seconds where most "
                               "end, no more polls than poll_initial_delay/poll_max_delay would make. Off: those "
                               "fixed delays")
    poll_min_interval: float = Field(1.0, gt=0, description="Fewest seconds between two polls of one operation")
    keepalive_interval: float = Field(10.0, gt=0)
    max_download_bytes: int = Field(512 * 1024 * 1024, gt=0)
    allow_foreign_file_uris: bool = Field(False, description="Accept Google Files API URIs and gs:// URIs that "
                                          "no job of the same client key made or used (off: one key cannot "
                                          "extend or read another key's videos through Google)")
    allow_private_image_urls: bool = Field(False, description="Let clients name image URLs on loopback, private "
                                           "or link-local addresses (off: the proxy is no way into your network)")
    job_timeout: float = Field(3600.0, gt=0, description="Seconds a background job may poll before it fails")
    media_ttl: float = Field(2 * 24 * 3600.0, gt=0, description="Seconds a generated video is kept (Google keeps 2 days)")
    cleanup_interval: float = Field(3600.0, gt=0)
    job_retention: float = Field(90 * 24 * 3600.0, ge=0, description="Seconds a finished job's row is kept after "
                                 "it ends (0: forever), so the job store stops growing; the ledger (usage, "
                                 "budgets, /metrics costs) keeps every billed request whatever this is")
    max_jobs_per_key: int = Field(16, ge=1, description="Unfinished video jobs one client key may have at once")
    # google-genai 3.1.0 made it the Gemini API's default video model (release notes 2026-11-10)
    default_video_model: str = "gemini-omni-1.2-flash"
    emulated: bool = Field(False, description="Set by `genproxy serve --emulator`: every upstream is the built-in "
                           "emulator, so nothing is paid (GET /v1/usage says so; its amounts are Google's prices)")
    housekeeping_model: str | None = Field(
        "gemini-3.5-flash-lite", description="The text model that answers front-ends' bookkeeping requests "
        "(titles, tags, follow-ups) sent to an image, video or audio model; null or '': an empty JSON answer, free")
    chat_video_links: bool = Field(False, description="Chat video answers also carry, in content, a <video> "
                                   "block with a signed link to the video (Open WebUI plays only that); also "
                                   "per client key and per route")
    video_link_ttl: float = Field(2 * 24 * 3600.0, gt=0, description="Seconds a signed video link stays valid")
    link_signing_secret: str | None = Field(None, min_length=16, description="Signs video links (HMAC); default: "
                                            "a random secret kept in data_dir/link-signing.key. Give every "
                                            "instance the same one when they do not share data_dir")
    max_connections: int = Field(4096, ge=1, description="Open client connections; lowered at start-up to fit "
                                 "the file descriptor limit. At the cap idle ones are closed, else new ones get 503")
    header_timeout: float = Field(10.0, gt=0, description="Seconds a new connection has to send its request headers")
    body_timeout: float = Field(30.0, gt=0, description="Seconds a request body may pause between bytes")
    idle_timeout: float = Field(15.0, gt=0, description="Seconds an idle kept-alive connection stays open")
    discovery_interval: float = Field(6 * 3600.0, gt=0, description="Seconds between checks of what Google "
                                      "offers each credential (`genproxy doctor`); the first runs at start-up")
    discovery_at_startup: bool = Field(True, description="Run the doctor's checks in the background at start-up")
    same_model_on_vertex_first: bool = Field(True, description="When Google no longer serves a model on the "
                                             "Gemini API and Vertex credentials are configured, serve the same model "
                                             "on Vertex AI (its vertex_target) before any replaced_by model "
                                             "(docs/catalog.md); false: the replacements first")
    thought_signature_ttl: float = Field(7 * 24 * 3600.0, gt=0, description="Seconds genproxy remembers the Gemini "
                                         "thought signature of a tool call, to put it back when a client sends the "
                                         "history without it")
    max_thought_signatures: int = Field(50_000, ge=1, description="Thought signatures kept at most (all keys); "
                                        "past it the oldest are forgotten")
    response_ttl: float = Field(30 * 24 * 3600.0, gt=0, description="Seconds a stored Responses API response "
                                "(store: true) and its output items are kept for GET /v1/responses/{id}, "
                                "previous_response_id and item_reference (OpenAI keeps them 30 days)")
    passthrough_upstream: str | None = Field(None, description="An OpenAI- or Anthropic-compatible gateway "
                                             "(CLIProxyAPI, LiteLLM) that gets, verbatim and streamed, every request "
                                             "genproxy does not serve itself (by path or by model)")
    passthrough_api_key: str | None = Field(None, description="The key genproxy sends to passthrough_upstream "
                                            "(the client's own key is never forwarded)")
    metrics_token: str | None = Field(None, description="GET /metrics accepts 'Authorization: Bearer <it>' (with "
                                       "client keys configured it needs this or an admin key)")
    webhook_secret: str | None = Field(None, description="whsec_<base64>: signs webhook deliveries (Standard "
                                       "Webhooks); needed for callback_url")
    allow_private_callback_urls: bool = Field(False, description="Let callback_url name loopback, private or "
                                              "link-local addresses")
    webhook_retry_delays: list[float] = Field(
        # Standard Webhooks' suggested schedule (standardwebhooks.com, "retry schedule"), then every 10 h.
        default_factory=lambda: list[float]([5, 300, 1800, 7200, 18000, 36000]), description="Seconds before each retry of a "
        "failed webhook delivery (the last repeats)")
    webhook_max_age: float = Field(24 * 3600.0, gt=0, description="Seconds a webhook is retried before it is dropped")
    webhook_timeout: float = Field(15.0, gt=0, description="Seconds a receiver has to answer a delivery")
    webhook_poll_interval: float = Field(1.0, gt=0, description="Seconds between checks for due webhook deliveries")
    error_log_interval: float = Field(10.0, gt=0, description="Seconds between repeated log lines about the same "
                                      "kind of client or connection problem (malformed requests, refused connections)")

    @model_validator(mode="after")
    def _shipped_routes(self):
        # `genproxy serve` run outside a checkout still finds the routes.yaml shipped beside the package.
        if "routes_file" not in self.model_fields_set and not self.routes_file.exists() and SHIPPED_ROUTES.exists():
            self.routes_file = SHIPPED_ROUTES
        return self

    @field_validator("housekeeping_model", mode="before")
    @classmethod
    def _no_housekeeping_model(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("gemini_api_keys", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _csv(cls, value):
        return _split_csv(value)

    @field_validator("api_keys", "admin_keys", mode="before")
    @classmethod
    def _keys(cls, value):
        return _as_client_keys(value)

    @model_validator(mode="after")
    def _unique_names(self):
        seen: dict[str, str] = {}
        for entry in [*self.api_keys, *self.admin_keys]:
            if entry.name and seen.setdefault(entry.name, entry.key) != entry.key:
                raise ValueError(f"two different keys are named '{entry.name}'; names identify keys in the ledger")
        return self

    @model_validator(mode="after")
    def _webhook_secret(self):
        if self.webhook_secret is not None:
            body = self.webhook_secret.removeprefix("whsec_")
            try:
                if not self.webhook_secret.startswith("whsec_") or len(base64.b64decode(body, validate=True)) < 16:
                    raise ValueError
            except (ValueError, binascii.Error):
                raise ValueError("webhook_secret must be 'whsec_' followed by base64 of at least 16 random bytes "
                                 "(Standard Webhooks)") from None
        return self

    @field_validator("auth_dir", "data_dir", "routes_file", "vertex_service_account_file", "media_dir")
    @classmethod
    def _expand(cls, value):
        return value.expanduser() if value is not None else value

    @field_validator("jobs_db", mode="before")
    @classmethod
    def _jobs_db(cls, value):
        if isinstance(value, str) and "://" in value:
            if not value.startswith(("postgresql://", "postgres://")):
                raise ValueError("must be a postgresql:// URL or a SQLite file path")
            return value
        return Path(value).expanduser() if value is not None else None


ENVIRONMENT = {
    "GENPROXY_API_KEYS": "api_keys",
    "GEMINI_API_KEY": "gemini_api_keys",
    "GEMINI_BASE_URL": "gemini_base_url",
    "GENPROXY_AUTH_DIR": "auth_dir",
    "GENPROXY_JOBS_DB": "jobs_db",
    "GENPROXY_PASSTHROUGH_UPSTREAM": "passthrough_upstream",
    "GENPROXY_PASSTHROUGH_API_KEY": "passthrough_api_key",
    # Application Default Credentials' own variable: a service-account key or gcloud's authorized_user file.
    "GOOGLE_APPLICATION_CREDENTIALS": "vertex_service_account_file",
}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Read the YAML file (if any), apply the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the config file must be a mapping of keys to values")
        values.update(loaded)
    for env_name, key in ENVIRONMENT.items():
        if environ.get(env_name):
            values[key] = environ[env_name]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def _describe(exc: ValidationError, path: Path | None) -> str:
    where = f"{path}: " if path else ""
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            lines.append(f"{where}unknown key '{key}'")
        else:
            lines.append(f"{where}key '{key}': {err['msg']}")
    return "; ".join(lines)


def all_client_keys(settings) -> list[tuple[ClientKey, bool]]:
    """Every accepted key with whether it is an admin key."""
    return [(k, False) for k in settings.api_keys] + [(k, True) for k in settings.admin_keys]


def client_key_strings(settings) -> list[str]:
    """The client keys themselves (secrets: to scrub from logs and answers)."""
    return [entry.key for entry, _ in all_client_keys(settings)]


#: The settings the app was built with (an app key, set by create_app).
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")

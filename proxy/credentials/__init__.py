"""Credential pools: API keys, CCS OAuth token files (refreshed single-flight, written back), service accounts."""
from proxy.credentials.base import (
    AUTH_FAILURE_COOLDOWN,
    MAX_BACKOFF,
    Credential,
    CredentialPool,
    CredentialUnavailable,
    api_key_credential,
)
from proxy.credentials.oauth import ServiceAccountCredential, TokenEndpoint, TokenFileCredential
from proxy.credentials.store import CredentialStore

__all__ = [
    "AUTH_FAILURE_COOLDOWN",
    "MAX_BACKOFF",
    "Credential",
    "CredentialPool",
    "CredentialStore",
    "CredentialUnavailable",
    "ServiceAccountCredential",
    "TokenEndpoint",
    "TokenFileCredential",
    "api_key_credential",
]

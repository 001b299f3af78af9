"""Google error bodies mapped to OpenAI-shaped ApiErrors, keeping Google's message and status."""
from __future__ import annotations

import json
import re

from proxy.http.errors import ApiError

_STATUS_MAP = {400: 400, 403: 403, 404: 404, 409: 409, 413: 413, 429: 429}
#: ErrorInfo reasons with which Google refuses an API key (HTTP 400): a credential problem, not the client's
KEY_REFUSED_REASONS = {"API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED"}
#: ErrorInfo reasons that blame the credential (its key, token, project, billing or account), not the request:
#: google.api.ErrorReason (googleapis/google/api/error_reason.proto). Only these take a credential out of
#: rotation; any other 403 (a Files URI or gs:// object of another project, a resource the caller may not
#: read) is the request's fault and goes back to the client (issue 25.4: one request could cool every key).
CREDENTIAL_FAULT_REASONS = KEY_REFUSED_REASONS | {
    "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED", "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED", "SERVICE_DISABLED", "BILLING_DISABLED", "USER_PROJECT_DENIED", "CONSUMER_SUSPENDED",
    "CONSUMER_INVALID", "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    "ACCOUNT_STATE_INVALID", "CREDENTIALS_MISSING", "GCP_SUSPENDED", "USER_BLOCKED_BY_ADMIN",
    "LOCATION_TAX_POLICY_VIOLATION", "SERVICE_NOT_VISIBLE"}
#: Credential faults Google states in words only (no ErrorInfo): a key it found published.
CREDENTIAL_FAULT_MESSAGES = ("reported as leaked",)


def credential_fault(status: int, raw: bytes) -> bool:
    """Whether an upstream refusal (401, 403, 400) blames the credential rather than the request."""
    if status == 401:
        return True
    if status not in (400, 403):
        return False
    if google_error_reason(raw) in CREDENTIAL_FAULT_REASONS:
        return True
    text = raw[:4096].decode("utf-8", "replace")
    return status == 403 and any(phrase in text for phrase in CREDENTIAL_FAULT_MESSAGES)


def google_error_reason(raw: bytes) -> str | None:
    """The ``reason`` of the first google.rpc.ErrorInfo detail, if any."""
    try:
        for detail in json.loads(raw)["error"].get("details") or []:
            if str(detail.get("@type", "")).endswith("google.rpc.ErrorInfo") and detail.get("reason"):
                return str(detail["reason"])
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def parse_google_error(status: int, raw: bytes) -> tuple[str, str | None, float | None]:
    """(message, google status, retry delay in seconds) from a Google error body."""
    try:
        error = json.loads(raw)["error"]
        message = str(error.get("message") or f"HTTP {status}")
        retry = None
        for detail in error.get("details") or []:
            if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
                match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(detail.get("retryDelay", "")))
                if match:
                    retry = float(match.group(1))
        return message, error.get("status"), retry
    except (ValueError, KeyError, TypeError, AttributeError):
        text = raw[:300].decode("utf-8", "replace").strip()
        return (text or f"HTTP {status}"), None, None


def google_error(upstream: str, status: int, raw: bytes, retry_after: float | None = None) -> ApiError:
    message, google_status, retry = parse_google_error(status, raw)
    retry = retry if retry is not None else retry_after
    label = f"{upstream} upstream" + (f" {google_status}" if google_status else "")
    if status in _STATUS_MAP:
        code = (google_status or "").lower() or None
        err = ApiError(_STATUS_MAP[status], f"{message} ({label})", code=code)
        if status == 403:
            err.type = "permission_denied"
            if google_error_reason(raw) == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" or "SCOPE_INSUFFICIENT" in message:
                err.message += (" OAuth tokens from CCS / Gemini CLI are refused by the Gemini API: route the model to "
                                "the vertex upstream (e.g. vertex/veo-3.1-generate-001) or set GEMINI_API_KEY.")
            elif upstream == "codeassist" and ("valid license" in message
                                               or google_error_reason(raw) == "SUBSCRIPTION_REQUIRED"):
                # Google's developers blog, "transitioning Gemini CLI to Antigravity CLI": Code Assist stopped
                # serving free, AI Pro and Ultra individual accounts on 2026-06-18 (google-2026-11.md section 3).
                err.code = "codeassist_no_license"
                err.message += (" Code Assist no longer serves Gemini CLI logins of free, AI Pro and Ultra individual "
                                "accounts (since 2026-06-18): route this model to the vertex upstream (the same "
                                "token works there on a project with Vertex AI) or to gemini with GEMINI_API_KEY.")
        if status == 429:
            err.code = "rate_limit_exceeded"
            err.headers["Retry-After"] = str(max(1, int(retry or 1)))
        return err
    if status == 401:
        # The upstream refused the proxy's own credential: not the client's key, so not a 401.
        return ApiError(502, f"The {label} refused the proxy's credentials: {message}", code="upstream_unauthenticated",
                        type="upstream_error")
    return ApiError(502, f"The {label} failed with HTTP {status}: {message}", code="upstream_error")


def upstream_timeout(upstream: str, what: str) -> ApiError:
    return ApiError(504, f"The {upstream} upstream did not answer in time ({what}).", code="upstream_timeout")


def upstream_unreachable(upstream: str, exc: Exception) -> ApiError:
    return ApiError(502, f"Cannot reach the {upstream} upstream: {exc.__class__.__name__}.", code="upstream_unreachable")


def malformed_reply(upstream: str, what: str) -> ApiError:
    return ApiError(502, f"The {upstream} upstream sent a reply that is not valid JSON ({what}).", code="upstream_bad_reply")

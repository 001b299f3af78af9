"""Signed links to a job's video: ``/v1/videos/{job id}/content?expires=…&signature=…``.

A chat front-end shows a video by putting its URL in the page (Open WebUI plays ``<video>URL</video>``), and the
browser fetches it with no API key. So the link itself carries the right to fetch: an HMAC-SHA256 over the job,
its owner (the id of the client key that made it, which the job store keeps and the link does not show), the
video's index and the expiry. A link whose signature does not match, or whose time is up, is a 403; one that
holds is served as the owner's own request for that one path would be.

The secret is ``link_signing_secret``, or a random one kept in ``data_dir/link-signing.key`` (created on first
use with O_EXCL, so the workers of one machine agree on it).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from proxy.http.errors import ApiError
from proxy.jobs.store import JOB_STORE

SECRET_FILE = "link-signing.key"


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker is writing it right now
            text = path.read_text().strip()
            if text:
                return text.encode()
            time.sleep(0.01)
        raise
    text = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as file:
        file.write(text + "\n")
    return text.encode()


class LinkSigner:
    """Signs and checks links to a job's video (``settings``: link_signing_secret, data_dir, video_link_ttl)."""

    def __init__(self, settings):
        self.settings = settings
        self._secret: bytes | None = settings.link_signing_secret.encode() if settings.link_signing_secret else None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = _read_or_create(self.settings.data_dir / SECRET_FILE)
        return self._secret

    def _signature(self, job_id: str, owner: str, index: int, expires: int) -> str:
        message = f"{job_id}\n{owner}\n{index}\n{expires}".encode()
        digest = hmac.new(self.secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def url(self, base_url: str, job_id: str, owner: str, index: int = 0, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + self.settings.video_link_ttl)
        query = {"expires": str(expires)}
        if index:
            query["index"] = str(index)
        query["signature"] = self._signature(job_id, owner, index, expires)
        return f"{base_url.rstrip('/')}/v1/videos/{job_id}/content?{urlencode(query)}"

    def check(self, request: web.Request, job_id: str, owner: str) -> None:
        """403 unless the link's signature holds for this job and owner and its time is not up."""
        query = request.query
        expires, signature, index_text = query.get("expires", ""), query.get("signature", ""), query.get("index", "0")
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12 and index_text.isascii()
                and index_text.isdigit() and len(index_text) <= 3):
            raise ApiError(403, "This video link is not valid.", code="invalid_signature")
        expected = self._signature(job_id, owner, int(index_text), int(expires))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise ApiError(403, "This video link is not valid.", code="invalid_signature")
        if int(expires) < time.time():
            raise ApiError(403, "This video link has expired; ask for the video again.", code="link_expired")


async def signed_link_owner(request: web.Request, job_id: str) -> str:
    """The owner a signed video link speaks for (the job's client key id); 403 for a link that does not hold,
    also for a job that does not exist (a signature cannot be checked without it)."""
    job = await request.app[JOB_STORE].get(job_id) if len(job_id) <= 64 else None
    if job is None:
        raise ApiError(403, "This video link is not valid.", code="invalid_signature")
    request.app[LINK_SIGNER].check(request, job_id, job.client_key_id)
    return job.client_key_id


def is_signed_video_link(request: web.Request) -> str | None:
    """The job id when the request is a GET/HEAD of a video's content carrying a signature, else None."""
    if request.method not in ("GET", "HEAD") or "signature" not in request.query:
        return None
    parts = request.path.split("/")
    # ["", "v1", "videos", "<job id>", "content"]
    if len(parts) == 5 and parts[1] == "v1" and parts[2] == "videos" and parts[4] == "content":
        return parts[3]
    return None


#: The link signer (an app key, set by create_app).
LINK_SIGNER: web.AppKey[LinkSigner] = web.AppKey("link_signer", LinkSigner)

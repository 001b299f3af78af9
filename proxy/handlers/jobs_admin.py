"""GET /v1/jobs: jobs' metadata (never their videos or prompts' media) of the caller's key, or of every key
for an admin key; each job names its key by name."""
from __future__ import annotations

from aiohttp import web

from proxy import keys
from proxy.config import all_client_keys
from proxy.http.errors import ApiError, invalid
from proxy.http.middleware import OPEN_PROXY_NAME, key_id


def _names(settings) -> dict[str, str]:
    """client_key_id -> the key's name, for every configured key."""
    names = {key_id(entry.key): entry.label for entry, _ in all_client_keys(settings)}
    names.setdefault(key_id(""), OPEN_PROXY_NAME)
    return names


def job_metadata(job, name: str) -> dict:
    summary = job.summary or {}
    error = job.error or None
    return {"id": job.id, "object": "job", "key": name, "model": job.model, "status": job.status,
            "progress": job.progress, "created_at": int(job.created_at),
            "completed_at": int(job.completed_at) if job.completed_at else None,
            "seconds": summary.get("seconds"), "resolution": summary.get("resolution"),
            "aspect_ratio": summary.get("aspect_ratio"), "source": summary.get("source"),
            "error": {"code": error.get("code"), "message": error.get("message")} if error else None}


async def list_jobs(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    try:
        limit = int(request.query.get("limit", "50"))
        before = float(request.query["before"]) if request.query.get("before") else None
    except ValueError:
        raise invalid("limit must be 1 to 500 and before a Unix time.", "limit") from None
    if not 1 <= limit <= 500:
        raise invalid("limit must be 1 to 500.", "limit")
    names = _names(settings)
    client = request.get("client_key_id", "")
    wanted = request.query.get("key")
    if request.get("is_admin"):
        client = None
        if wanted:
            ids = [cid for cid, name in names.items() if name == wanted]
            if not ids:
                raise invalid(f"No key is named '{wanted}'.", "key", code="key_not_found")
            client = ids[0]
    elif wanted not in (None, request.get("client_key_name")):
        raise ApiError(403, "Only an admin key may list another key's jobs.", param="key", code="not_admin")
    jobs = await request.app[keys.JOB_STORE].recent_jobs(client, before, limit + 1)
    data = [job_metadata(job, names.get(job.client_key_id, "key-" + job.client_key_id[:8])) for job in jobs[:limit]]
    return web.json_response({"object": "list", "data": data, "has_more": len(jobs) > limit})

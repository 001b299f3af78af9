"""Jobs as plugins see them (hookspecs.JobInfo), and the per-key lookup a RequestContext carries."""
from __future__ import annotations

from proxy.hookspecs import JobInfo, JobLookup
from proxy.jobs.store import Job, JobStore


def job_info(job: Job) -> JobInfo:
    return JobInfo(id=job.id, model=job.model, modality=(job.route or {}).get("modality", ""), status=job.status,
                   operation=job.operation, credential_id=job.credential_id, notes=dict(job.notes or {}),
                   summary=dict(job.summary or {}), message=(job.result or {}).get("message"), error=job.error,
                   usage=(job.result or {}).get("usage"),
                   created_at=job.created_at, completed_at=job.completed_at)


def job_finder(store: JobStore, client_key_id: str) -> JobLookup:
    """Find jobs of this client key only: another key's job is as unknown as a made-up id."""

    async def find(job_id: str) -> JobInfo | None:
        if not isinstance(job_id, str) or not job_id:
            return None
        job = await store.get(job_id, client_key_id)
        return job_info(job) if job is not None else None

    return find

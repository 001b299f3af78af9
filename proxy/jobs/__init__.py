"""Durable long-running jobs: the store (SQLite or PostgreSQL) and the runner that polls them to the end."""
from proxy.jobs.runner import JobRunner
from proxy.jobs.store import Job, JobStore, open_store

__all__ = ["Job", "JobRunner", "JobStore", "open_store"]

"""Durable long-running jobs: the store (SQLite or PostgreSQL) and the runner that polls them to the end."""
from proxy.jobs.backends import open_store
from proxy.jobs.runner import JobRunner
from proxy.jobs.store import Job, JobStore

__all__ = ["Job", "JobRunner", "JobStore", "open_store"]

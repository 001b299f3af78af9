"""Durable long-running jobs: the SQLite store and the runner that polls them to the end."""
from proxy.jobs.runner import JobRunner
from proxy.jobs.store import Job, JobStore

__all__ = ["Job", "JobRunner", "JobStore"]

"""Durable long-running jobs: the store (SQLite or PostgreSQL; proxy.jobs.backends opens it) and the runner
that polls them to the end (proxy.jobs.runner).

Nothing is imported here: importing proxy.jobs.store (as the ledger does) must not run the runner.
"""

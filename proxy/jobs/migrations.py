"""Numbered schema migrations of the job store, one list per backend, applied in order at start-up.

A store records what it applied in schema_migrations(version); a migration, once released, never changes:
add a new number instead. Number 1 is the schema genproxy had before migrations (CREATE ... IF NOT EXISTS,
so a store from that time takes it as already there).
"""
from __future__ import annotations

SQLITE: list[tuple[int, str]] = [
    (1, """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    client_key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    route TEXT NOT NULL,
    operation TEXT,
    credential_id TEXT,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    error TEXT,
    idempotency_key TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    completed_at REAL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_client ON jobs (client_key_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency ON jobs (client_key_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
"""),
    (2, """
ALTER TABLE jobs ADD COLUMN request TEXT;
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until REAL;
CREATE INDEX jobs_by_lease ON jobs (status, lease_until);
"""),
    (3, """
CREATE TABLE thought_signatures (
    client_key_id TEXT NOT NULL,
    tool_call_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (client_key_id, tool_call_id)
);
CREATE INDEX thought_signatures_by_expiry ON thought_signatures (expires_at);
"""),
    (4, """
CREATE TABLE credential_cooldowns (
    credential_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    until REAL NOT NULL,
    PRIMARY KEY (credential_id, scope)
);
"""),
    (5, """
CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    key_name TEXT NOT NULL,
    model TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    settled_at REAL,
    estimated_usd REAL NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    video_seconds REAL NOT NULL DEFAULT 0,
    images INTEGER NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    video_tokens BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ledger_by_key ON ledger (key_name, created_at);
CREATE INDEX ledger_by_time ON ledger (created_at);
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_at REAL NOT NULL,
    owner TEXT,
    lease_until REAL,
    last_error TEXT
);
CREATE INDEX webhooks_due ON webhooks (state, next_at);
CREATE UNIQUE INDEX webhooks_once ON webhooks (job_id, event);
"""),
    (6, """
CREATE TABLE model_retirements (
    api TEXT NOT NULL,
    model TEXT NOT NULL,
    fact TEXT NOT NULL,
    since REAL NOT NULL,
    PRIMARY KEY (api, model)
);
"""),
]


POSTGRES: list[tuple[int, str]] = [
    (1, """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    client_key_id TEXT NOT NULL,
    model TEXT NOT NULL,
    route TEXT NOT NULL,
    operation TEXT,
    credential_id TEXT,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '{}',
    result TEXT,
    error TEXT,
    idempotency_key TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    completed_at DOUBLE PRECISION,
    expires_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS jobs_by_client ON jobs (client_key_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency ON jobs (client_key_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
"""),
    (2, """
ALTER TABLE jobs ADD COLUMN request TEXT;
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until DOUBLE PRECISION;
CREATE INDEX jobs_by_lease ON jobs (status, lease_until);
"""),
    (3, """
CREATE TABLE thought_signatures (
    client_key_id TEXT NOT NULL,
    tool_call_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client_key_id, tool_call_id)
);
CREATE INDEX thought_signatures_by_expiry ON thought_signatures (expires_at);
"""),
    (4, """
CREATE TABLE credential_cooldowns (
    credential_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    until DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (credential_id, scope)
);
"""),
    (5, """
CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    key_name TEXT NOT NULL,
    model TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    settled_at DOUBLE PRECISION,
    estimated_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    video_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    images INTEGER NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    video_tokens BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ledger_by_key ON ledger (key_name, created_at);
CREATE INDEX ledger_by_time ON ledger (created_at);
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    next_at DOUBLE PRECISION NOT NULL,
    owner TEXT,
    lease_until DOUBLE PRECISION,
    last_error TEXT
);
CREATE INDEX webhooks_due ON webhooks (state, next_at);
CREATE UNIQUE INDEX webhooks_once ON webhooks (job_id, event);
"""),
    (6, """
CREATE TABLE model_retirements (
    api TEXT NOT NULL,
    model TEXT NOT NULL,
    fact TEXT NOT NULL,
    since DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (api, model)
);
"""),
]


LATEST = max(version for version, _ in SQLITE)
assert LATEST == max(version for version, _ in POSTGRES), "both backends must reach the same version"

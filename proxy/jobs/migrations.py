"""Numbered schema migrations of the job store, one list per backend, applied in order at start-up.

A store records what it applied in schema_migrations(version); a migration, once released, never changes:
add a new number instead. Number 1 is the schema genproxy had before migrations (CREATE ... IF NOT EXISTS,
so a store from that time takes it as already there).

Number 6 makes every request cost the same whatever the number of stored jobs (issue 26): partial indexes over
the unfinished jobs (the per-key cap, the attach-by-fingerprint look-up, lease take-over), an index for each
range the sweeps read (completion time, creation time), and job_media, one row per (job, file), so a delete's
"is this file still used?" and the expiry sweep read the few rows they need instead of parsing every result.
tests/jobs/test_query_plans.py checks each hot query's plan on both backends.

Number 9 (proxy/jobs/maintained_counts.py) keeps the sums a budget check and a /metrics scrape read in tables
that triggers update, instead of summing every ledger entry and counting every job at each read.
"""
from __future__ import annotations

from proxy.jobs import maintained_counts

# Written out, not a bound parameter: a partial index is used only when the query's WHERE names the same
# literal condition (SQLite: "the terms of the index's WHERE appear in the query's"; PostgreSQL cannot prove
# that "status = ANY($1)" implies it). proxy.jobs.store.UNFINISHED lists the same three states.
UNFINISHED_SQL = maintained_counts.UNFINISHED_SQL


def _scale_indexes(real: str, media_rows: str) -> str:
    return f"""
DROP INDEX jobs_by_lease;
CREATE INDEX jobs_unfinished_by_client ON jobs (client_key_id, created_at) WHERE {UNFINISHED_SQL};
CREATE INDEX jobs_unfinished_by_time ON jobs (created_at) WHERE {UNFINISHED_SQL};
CREATE INDEX jobs_by_time ON jobs (created_at);
CREATE INDEX jobs_by_completion ON jobs (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX jobs_completed_by_model ON jobs (model, completed_at) WHERE status = 'completed';
CREATE INDEX ledger_reserved ON ledger (created_at) WHERE state = 'reserved';
CREATE TABLE job_media (
    job_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    expires_at {real},
    PRIMARY KEY (job_id, sha256)
);
CREATE INDEX job_media_by_file ON job_media (sha256);
CREATE INDEX job_media_by_expiry ON job_media (expires_at);
{media_rows}
"""

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
    (6, _scale_indexes("REAL", """
INSERT OR IGNORE INTO job_media (job_id, sha256, mime_type, expires_at)
    SELECT jobs.id, json_extract(m.value, '$.sha256'), json_extract(m.value, '$.mime_type'), jobs.expires_at
    FROM jobs, json_each(jobs.result, '$.media') AS m WHERE jobs.result IS NOT NULL;
""")),
    (7, """
CREATE TABLE kept_objects (
    client_key_id TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (client_key_id, id)
);
CREATE INDEX kept_objects_by_expiry ON kept_objects (expires_at);
"""),
    (8, """
CREATE TABLE model_retirements (
    api TEXT NOT NULL,
    model TEXT NOT NULL,
    fact TEXT NOT NULL,
    since REAL NOT NULL,
    PRIMARY KEY (api, model)
);
"""),
    (9, maintained_counts.SQLITE),
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
    (6, _scale_indexes("DOUBLE PRECISION", """
INSERT INTO job_media (job_id, sha256, mime_type, expires_at)
    SELECT jobs.id, m.value ->> 'sha256', m.value ->> 'mime_type', jobs.expires_at
    FROM jobs, jsonb_array_elements(jobs.result::jsonb -> 'media') AS m(value) WHERE jobs.result IS NOT NULL
    ON CONFLICT DO NOTHING;
""")),
    (7, """
CREATE TABLE kept_objects (
    client_key_id TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client_key_id, id)
);
CREATE INDEX kept_objects_by_expiry ON kept_objects (expires_at);
"""),
    (8, """
CREATE TABLE model_retirements (
    api TEXT NOT NULL,
    model TEXT NOT NULL,
    fact TEXT NOT NULL,
    since DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (api, model)
);
"""),
    (9, maintained_counts.POSTGRES),
]


LATEST = max(version for version, _ in SQLITE)
assert LATEST == max(version for version, _ in POSTGRES), "both backends must reach the same version"

"""Migration 9: the sums a request or a scrape needs, kept up to date by triggers (issue 26).

Three reads used to walk rows whose number grows with the store:

- a budget check (``ledger_spent``) summed every ledger entry of the key in the period (a month of a busy key's
  requests, each reservation and each usage page);
- GET /metrics counted every job by status and summed every settled ledger entry, at each scrape.

Now the database keeps, in the same transaction as each write (a trigger, so every writer is counted: the
batched ledger inserts, the stale-reservation sweep, an older instance during a rolling upgrade):

- ``ledger_days``: what each key has spent per UTC day (reserved entries at their estimate, settled ones at their
  cost, released ones at nothing): a month's budget check reads at most 31 rows;
- ``ledger_totals``: settled cost and video seconds per key and model (the /metrics counters);
- ``job_counts``: finished jobs per status (the unfinished ones are counted through the partial indexes of
  migration 6, so a job's creation and progress never write a counter row).

The migration fills them from the rows already there (once, under a lock that holds writers back until it commits).
Ledger entries are never deleted, so the totals only grow, as Prometheus counters must.
"""
from __future__ import annotations

from proxy.jobs.store import UNFINISHED

UNFINISHED_SQL = "status IN (" + ", ".join(f"'{s}'" for s in UNFINISHED) + ")"

DAY_SECONDS = 86400
_SPENT = "CASE {row}.state WHEN 'reserved' THEN {row}.estimated_usd WHEN 'settled' THEN {row}.cost_usd ELSE 0 END"
_NEW_FINISHED = UNFINISHED_SQL.replace("status IN", "NEW.status NOT IN")
_OLD_FINISHED = UNFINISHED_SQL.replace("status IN", "OLD.status NOT IN")


def _tables(real: str, integer: str) -> str:
    return f"""
CREATE TABLE job_counts (status TEXT PRIMARY KEY, n {integer} NOT NULL);
CREATE TABLE ledger_days (
    key_name TEXT NOT NULL,
    day {real} NOT NULL,
    spent_usd {real} NOT NULL,
    PRIMARY KEY (key_name, day)
);
CREATE TABLE ledger_totals (
    key_name TEXT NOT NULL,
    model TEXT NOT NULL,
    cost_usd {real} NOT NULL,
    video_seconds {real} NOT NULL,
    PRIMARY KEY (key_name, model)
);
"""


def _fill(day: str) -> str:
    return f"""
INSERT INTO job_counts (status, n) SELECT status, COUNT(*) FROM jobs WHERE NOT ({UNFINISHED_SQL}) GROUP BY status;
INSERT INTO ledger_days (key_name, day, spent_usd)
    SELECT key_name, {day.format(t="created_at")}, SUM({_SPENT.format(row="ledger")}) FROM ledger
    GROUP BY key_name, {day.format(t="created_at")};
INSERT INTO ledger_totals (key_name, model, cost_usd, video_seconds)
    SELECT key_name, model, SUM(cost_usd), SUM(video_seconds) FROM ledger WHERE state = 'settled'
    GROUP BY key_name, model;
"""


# SQLite: row triggers (one writer at a time, so no lock order to keep). Unix time has no leap seconds: a
# multiple of 86400 is a UTC midnight.
_SQLITE_DAY = "(CAST({t} AS INTEGER) / 86400) * 86400"


def _sqlite_day_add(row: str, sign: str) -> str:
    return (f"INSERT INTO ledger_days (key_name, day, spent_usd) VALUES ({row}.key_name, "
            f"{_SQLITE_DAY.format(t=row + '.created_at')}, {sign}({_SPENT.format(row=row)})) "
            "ON CONFLICT (key_name, day) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd;")


_SETTLED_ADD = ("INSERT INTO ledger_totals (key_name, model, cost_usd, video_seconds) VALUES (NEW.key_name, "
                "NEW.model, NEW.cost_usd, NEW.video_seconds) ON CONFLICT (key_name, model) DO UPDATE SET "
                "cost_usd = {t}.cost_usd + excluded.cost_usd, video_seconds = {t}.video_seconds + excluded.video_seconds;")

SQLITE = _tables("REAL", "INTEGER") + _fill(_SQLITE_DAY) + f"""
CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs WHEN {_NEW_FINISHED} BEGIN
    INSERT INTO job_counts (status, n) VALUES (NEW.status, 1) ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs WHEN {_OLD_FINISHED} BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE job_counts SET n = n - 1 WHERE status = OLD.status AND {_OLD_FINISHED};
    INSERT INTO job_counts (status, n) SELECT NEW.status, 1 WHERE {_NEW_FINISHED}
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ledger_days_insert AFTER INSERT ON ledger BEGIN
    {_sqlite_day_add("NEW", "")}
END;
CREATE TRIGGER ledger_days_update AFTER UPDATE OF state, estimated_usd, cost_usd, key_name, created_at ON ledger BEGIN
    {_sqlite_day_add("OLD", "-")}
    {_sqlite_day_add("NEW", "")}
END;
CREATE TRIGGER ledger_totals_insert AFTER INSERT ON ledger WHEN NEW.state = 'settled' BEGIN
    {_SETTLED_ADD.format(t="ledger_totals")}
END;
CREATE TRIGGER ledger_totals_update AFTER UPDATE OF state ON ledger
    WHEN NEW.state = 'settled' AND OLD.state IS NOT 'settled' BEGIN
    {_SETTLED_ADD.format(t="ledger_totals")}
END;
"""

# PostgreSQL: row triggers in PL/pgSQL. Concurrent writers take the counter rows' locks in one order: a ledger
# write locks its day row, then its totals row (ledger_insert_many sorts a batch by key, day and model); a
# job's status change locks at most two job_counts rows, finished states only. A deadlock PostgreSQL still
# finds (two batches across midnight) aborts one batch, which the ledger writes again at its next flush.
_PG_DAY = "floor({t} / 86400) * 86400"

POSTGRES = "LOCK TABLE jobs, ledger IN SHARE ROW EXCLUSIVE MODE;" + _tables("DOUBLE PRECISION", "BIGINT") + \
    _fill(_PG_DAY) + f"""
CREATE FUNCTION genproxy_job_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND {_OLD_FINISHED} THEN
        UPDATE job_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND {_NEW_FINISHED} THEN
        INSERT INTO job_counts (status, n) VALUES (NEW.status, 1)
            ON CONFLICT (status) DO UPDATE SET n = job_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs FOR EACH ROW WHEN ({_NEW_FINISHED})
    EXECUTE FUNCTION genproxy_job_counts();
CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs FOR EACH ROW WHEN ({_OLD_FINISHED})
    EXECUTE FUNCTION genproxy_job_counts();
CREATE TRIGGER job_counts_update AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION genproxy_job_counts();
CREATE FUNCTION genproxy_ledger_sums() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE ledger_days SET spent_usd = spent_usd - ({_SPENT.format(row="OLD")})
            WHERE key_name = OLD.key_name AND day = {_PG_DAY.format(t="OLD.created_at")};
    END IF;
    INSERT INTO ledger_days (key_name, day, spent_usd)
        VALUES (NEW.key_name, {_PG_DAY.format(t="NEW.created_at")}, {_SPENT.format(row="NEW")})
        ON CONFLICT (key_name, day) DO UPDATE SET spent_usd = ledger_days.spent_usd + excluded.spent_usd;
    IF NEW.state = 'settled' AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM 'settled') THEN
        {_SETTLED_ADD.format(t="ledger_totals")}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_sums_insert AFTER INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION genproxy_ledger_sums();
CREATE TRIGGER ledger_sums_update AFTER UPDATE OF state, estimated_usd, cost_usd, key_name, created_at ON ledger
    FOR EACH ROW EXECUTE FUNCTION genproxy_ledger_sums();
"""

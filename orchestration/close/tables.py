"""Tables of the period close in the `ops` schema, created idempotently.

dbt reads `ops.period_signoffs` as a source, so it must exist before `dbt build`; call
`ensure_close_tables` first (the CLI commands and the run-failure sensor do).
"""

from __future__ import annotations

import psycopg

OPS_SCHEMA = "ops"
SIGNOFFS_TABLE = "ops.period_signoffs"
RUN_FAILURES_TABLE = "ops.run_failures"

# A sign-off with an empty subsidiary_id covers every subsidiary. The unique index treats
# that empty value as one key, so each (subsidiary, period) has at most one sign-off.
_DDL = (
    "create schema if not exists ops",
    """
    create table if not exists ops.period_signoffs (
        signoff_id bigint generated always as identity primary key,
        subsidiary_id integer,
        period text not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        signed_off_by text not null check (btrim(signed_off_by) <> ''),
        signed_off_at timestamptz not null default now()
    )
    """,
    """
    create unique index if not exists period_signoffs_subsidiary_period_key
        on ops.period_signoffs ((coalesce(subsidiary_id, -1)), period)
    """,
    "comment on table ops.period_signoffs is "
    "'Periods that finance signed off, per subsidiary; an empty subsidiary_id means all.'",
    """
    create table if not exists ops.run_failures (
        run_id text primary key,
        job_name text not null,
        failed_at timestamptz not null,
        error_message text,
        step_keys text[] not null default '{}',
        recorded_at timestamptz not null default now()
    )
    """,
    "comment on table ops.run_failures is "
    "'Dagster runs that failed, recorded by the run_failure_recorder sensor.'",
)


def ensure_close_tables(conn: psycopg.Connection) -> None:
    """Create the schema `ops`, `ops.period_signoffs` and `ops.run_failures` when missing.

    Runs in the caller's transaction; the caller commits.
    """
    for statement in _DDL:
        conn.execute(statement)

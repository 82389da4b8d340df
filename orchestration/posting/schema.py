"""Tables of the `posting` schema that Python manages: batches, approvals and the posting log.

dbt builds `posting.journal_proposal_lines`. Everything a person or the posting job writes
lives in the tables below, which are created here because dbt would drop and rebuild them.
`ensure_posting_tables` is idempotent and safe to call from several processes at once.
"""

from __future__ import annotations

import psycopg

POSTING_SCHEMA = "posting"

BATCH_STATES = (
    "proposed",
    "approved",
    "posting",
    "posted",
    "failed",
    "dead_lettered",
    "rejected",
)

# Serializes concurrent callers of ensure_posting_tables: CREATE ... IF NOT EXISTS is not
# safe against itself in PostgreSQL, and triggers have no IF NOT EXISTS form before 14.
_DDL_LOCK_ID = 0x7469656F7574  # "tieout" as a number

_STATE_LIST = ", ".join(f"'{state}'" for state in BATCH_STATES)

DDL = f"""
create schema if not exists posting;

create table if not exists posting.batches (
    batch_id text primary key,
    proposal_id text not null,
    subsidiary_id integer not null,
    period text not null check (period ~ '^[0-9]{{4}}-[0-9]{{2}}$'),
    currency text not null,
    functional_currency text,
    exchange_rate numeric not null check (exchange_rate > 0),
    journal_date date not null,
    content_hash text not null,
    state text not null default 'proposed' check (state in ({_STATE_LIST})),
    prepared_by text not null check (btrim(prepared_by) <> ''),
    total_debit numeric not null,
    total_credit numeric not null,
    line_count integer not null,
    document_count integer not null,
    requeue_count integer not null default 0,
    idempotency_key text,
    erp_journal_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index if not exists batches_state_idx on posting.batches (state);
create index if not exists batches_proposal_idx on posting.batches (proposal_id);

create table if not exists posting.batch_lines (
    batch_id text not null references posting.batches (batch_id) on delete cascade,
    line_number integer not null,
    line_type text not null check (line_type in ('receivable', 'revenue')),
    account_number text not null,
    product_family text,
    tax_code text,
    debit numeric not null check (debit >= 0),
    credit numeric not null check (credit >= 0),
    memo text,
    source_documents jsonb not null,
    correlation_ids jsonb not null,
    primary key (batch_id, line_number),
    check ((debit = 0) <> (credit = 0))
);

create table if not exists posting.approvals (
    approval_id bigint generated always as identity primary key,
    batch_id text not null references posting.batches (batch_id),
    approved_by text not null check (btrim(approved_by) <> ''),
    approved_at timestamptz not null default now(),
    content_hash text not null
);

create index if not exists approvals_batch_idx on posting.approvals (batch_id, content_hash);

create table if not exists posting.posting_log (
    log_id bigint generated always as identity primary key,
    batch_id text not null,
    idempotency_key text,
    correlation_id text,
    state text not null,
    actor text not null,
    message text,
    attempt integer,
    erp_journal_id text,
    at timestamptz not null default clock_timestamp()
);

create index if not exists posting_log_batch_idx on posting.posting_log (batch_id, log_id);

create table if not exists posting.dead_letters (
    dead_letter_id bigint generated always as identity primary key,
    batch_id text not null references posting.batches (batch_id),
    idempotency_key text not null,
    error text not null,
    attempts integer not null,
    at timestamptz not null default now(),
    resolved_at timestamptz
);

create table if not exists posting.posted_documents (
    idempotency_key text not null,
    document_id text not null,
    correlation_id text,
    batch_id text not null,
    erp_journal_id text,
    posted_at timestamptz not null default now(),
    primary key (idempotency_key, document_id)
);

create index if not exists posted_documents_document_idx
    on posting.posted_documents (document_id);

-- The approver must be another person than the preparer, and must approve the batch
-- content as it is now: an approval of an older content hash is rejected.
create or replace function posting.check_approval() returns trigger
language plpgsql as $$
declare
    batch record;
begin
    select prepared_by, content_hash into batch
    from posting.batches where batch_id = new.batch_id;

    if not found then
        raise exception 'batch % not found', new.batch_id
            using errcode = 'foreign_key_violation';
    end if;

    if lower(btrim(new.approved_by)) = lower(btrim(batch.prepared_by)) then
        raise exception 'approver % prepared batch % and cannot approve it',
            new.approved_by, new.batch_id
            using errcode = 'check_violation',
                  hint = 'A batch is approved by a person other than its preparer.';
    end if;

    if new.content_hash <> batch.content_hash then
        raise exception 'approval of batch % names content hash %, but the batch is now %',
            new.batch_id, new.content_hash, batch.content_hash
            using errcode = 'check_violation';
    end if;

    return new;
end;
$$;

create or replace function posting.reject_log_change() returns trigger
language plpgsql as $$
begin
    raise exception 'posting.posting_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;
"""

# Triggers are created only when missing, inside the same advisory lock.
TRIGGERS = {
    ("approvals", "approvals_check_approver"): """
        create trigger approvals_check_approver
        before insert or update on posting.approvals
        for each row execute function posting.check_approval()
    """,
    ("posting_log", "posting_log_append_only"): """
        create trigger posting_log_append_only
        before update or delete on posting.posting_log
        for each row execute function posting.reject_log_change()
    """,
    ("posting_log", "posting_log_no_truncate"): """
        create trigger posting_log_no_truncate
        before truncate on posting.posting_log
        for each statement execute function posting.reject_log_change()
    """,
}


def ensure_posting_tables(connection: psycopg.Connection) -> None:
    """Create the posting schema, tables, functions and triggers that do not exist yet.

    Commits on `connection`. Existing tables and rows are left as they are.
    """
    with connection.transaction():
        connection.execute("select pg_advisory_xact_lock(%s)", (_DDL_LOCK_ID,))
        connection.execute(DDL)

        for (table, trigger), statement in TRIGGERS.items():
            exists = connection.execute(
                """
                select 1 from pg_trigger
                where tgname = %s and tgrelid = to_regclass(%s)
                """,
                (trigger, f"{POSTING_SCHEMA}.{table}"),
            ).fetchone()
            if exists is None:
                connection.execute(statement)
    connection.commit()

"""DDL of the raw tables, the load manifest and the quarantine table.

Tables:

- `raw.<source>__<object>` (and each child table such as `raw.stripe__invoice_line`):
  `_load_id bigint`, `_line_number bigint`, the spec's columns with their PostgreSQL
  types, and `_record json` (the record as the file has it) for objects read from JSON.
  A child table has `_record` only when its spec sets `keeps_record`; the parent's
  `_record` holds every item anyway. Tables created when `_record` was `jsonb` keep
  that type, and both types support the same operators.
  Tables created before that keep their `_record` column, which new loads leave NULL.
  Primary key `(_load_id, <spec primary key>)`, so every load is a separate, append-only
  slice.
- `raw._loads`: one row per file seen, with status `loaded`, `skipped_duplicate` or
  `quarantined`, its SHA-256, size, row count, snapshot time, `schema_drift` (a jsonb
  list of unknown columns), `child_row_counts` and `duration_ms`.
- `ops.quarantine`: one row per rejected file with the reason, line, column and the
  path of the copy kept under the quarantine folder.
- `raw._latest_loads` (view): for each source and object, the newest `loaded` load by
  `snapshot_at`, then `load_id`. Staging selects a raw table's current rows with
  `join raw._latest_loads l on l.load_id = t._load_id and l.source = '<source>' and
  l.object = '<object>'`; child tables use their parent's object name.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from orchestration.ingestion.adapters.base import (
    LINE_NUMBER_COLUMN,
    LOAD_ID_COLUMN,
    RECORD_COLUMN,
)
from orchestration.ingestion.objects import OBJECTS, SALESFORCE, ObjectSpec

MANIFEST_TABLE = ("raw", "_loads")
QUARANTINE_TABLE = ("ops", "quarantine")
LATEST_LOADS_VIEW = ("raw", "_latest_loads")
LOAD_ID_SEQUENCE = ("raw", "_loads_load_id_seq")
# `json`, not `jsonb`: the column keeps the vendor's record verbatim for audit and replay,
# and staging reads two fields of it. Parsing into jsonb nearly doubles the cost of COPY
# (bench/record_type.py on 476 MiB of invoices: jsonb 11.1 s, json 6.2 s, text 5.6 s).
RECORD_TYPE = "json"

LOADED = "loaded"
SKIPPED_DUPLICATE = "skipped_duplicate"
QUARANTINED = "quarantined"
STATUSES = (LOADED, SKIPPED_DUPLICATE, QUARANTINED)

# Serializes schema changes between processes that start loading at the same time.
SCHEMA_LOCK_KEY = 0x7469656F7574  # "tieout" in ASCII

_BOOTSTRAP = """
create schema if not exists raw;
create schema if not exists ops;

create sequence if not exists raw._loads_load_id_seq;

create table if not exists raw._loads (
    load_id bigint primary key,
    source text not null,
    object text not null,
    file_path text not null,
    sha256 text not null,
    byte_size bigint not null,
    row_count bigint,
    child_row_counts jsonb not null default '{}'::jsonb,
    snapshot_at timestamptz not null,
    loaded_at timestamptz not null default clock_timestamp(),
    status text not null check (status in ('loaded', 'skipped_duplicate', 'quarantined')),
    error text,
    schema_drift jsonb not null default '[]'::jsonb,
    duration_ms bigint,
    duplicate_of bigint
);

-- One loaded copy of a file's content per object, even with concurrent loaders.
create unique index if not exists _loads_loaded_sha256
    on raw._loads (source, object, sha256) where status = 'loaded';
create index if not exists _loads_file_path on raw._loads (file_path);

create table if not exists ops.quarantine (
    load_id bigint primary key references raw._loads (load_id),
    source text not null,
    object text not null,
    file_path text not null,
    sha256 text not null,
    reason text not null,
    message text not null,
    line bigint,
    "column" text,
    quarantined_path text not null,
    quarantined_at timestamptz not null default clock_timestamp()
);

create or replace view raw._latest_loads as
select distinct on (source, object)
    load_id,
    source,
    object,
    file_path,
    sha256,
    row_count,
    snapshot_at,
    loaded_at
from raw._loads
where status = 'loaded'
order by source, object, snapshot_at desc, load_id desc;
"""


def table_definitions(spec: ObjectSpec) -> list[tuple[str, list[tuple[str, str]], tuple[str, ...]]]:
    """Return (table, [(column, type)], primary key) for the object's table and children."""
    # Salesforce tables keep `_record` for rows read from sObject tree JSON.
    with_record = spec.file_format == "jsonl" or spec.source == SALESFORCE
    parent_columns = [(column.name, column.postgres_type) for column in spec.columns]
    if with_record:
        parent_columns.append((RECORD_COLUMN, RECORD_TYPE))
    definitions = [(spec.table, parent_columns, spec.primary_key)]

    for child in spec.children:
        columns = [(child.parent_column, "text")]
        columns += [(column.name, column.postgres_type) for column in child.columns]
        if child.keeps_record:
            columns.append((RECORD_COLUMN, RECORD_TYPE))
        definitions.append((child.table, columns, child.primary_key))
    return definitions


def ensure_raw_schema(connection: psycopg.Connection, specs=OBJECTS) -> None:
    """Create the manifest, quarantine table, view and raw tables that do not exist yet.

    Columns added to a spec since its table was created are added to the table. Commits.
    """
    with connection.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
        cursor.execute(_BOOTSTRAP)
        for spec in specs:
            for table, columns, primary_key in table_definitions(spec):
                cursor.execute(_create_table(table, columns, primary_key))
                for name, type_name in columns:
                    cursor.execute(
                        sql.SQL("alter table {} add column if not exists {} {}").format(
                            sql.Identifier("raw", table),
                            sql.Identifier(name),
                            sql.SQL(type_name),
                        )
                    )
    connection.commit()


def _create_table(table: str, columns: list[tuple[str, str]], primary_key) -> sql.Composed:
    definitions = [
        sql.SQL("{} bigint not null").format(sql.Identifier(LOAD_ID_COLUMN)),
        sql.SQL("{} bigint not null").format(sql.Identifier(LINE_NUMBER_COLUMN)),
    ]
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_name))
        for name, type_name in columns
    ]
    definitions.append(
        sql.SQL("primary key ({})").format(
            sql.SQL(", ").join(sql.Identifier(name) for name in (LOAD_ID_COLUMN, *primary_key))
        )
    )
    return sql.SQL("create table if not exists {} ({})").format(
        sql.Identifier("raw", table), sql.SQL(", ").join(definitions)
    )

"""SQL of the quality schema: latest-load views, the load volume view and the results table.

GX reads a raw table through a view restricted to the object's latest load, so the suite
sees exactly the rows that staging reads, and the column types are reflected from the
table (GX cannot reflect them for a query asset).
"""

from __future__ import annotations

import re

from psycopg import sql

QUALITY_SCHEMA = "quality"
LOAD_VOLUME_VIEW = "load_volume"
RESULTS_TABLE = "validation_results"

# Raw table, source and object names come from the object specs. They are checked against
# this pattern before they reach a query string that GX runs.
_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")


def latest_view_name(table: str) -> str:
    """Return the name of the view over the latest load of the raw table `table`."""
    return f"latest__{table}"


def latest_view_sql(table: str, source: str, object_name: str) -> sql.Composed:
    """Return SQL that recreates the view of `raw.<table>` restricted to its latest load.

    The view is dropped and created in place of `create or replace`, because the latter
    fails when the raw table has gained or lost columns since the view was made.
    """
    view = sql.Identifier(QUALITY_SCHEMA, latest_view_name(table))
    return sql.SQL(
        "drop view if exists {view};\n"
        "create view {view} as\n"
        "select raw_rows.*\n"
        "from {table} as raw_rows\n"
        "where raw_rows._load_id in (\n"
        "    select latest_loads.load_id\n"
        "    from raw._latest_loads as latest_loads\n"
        "    where latest_loads.source = {source} and latest_loads.object = {object}\n"
        ")"
    ).format(
        view=view,
        table=sql.Identifier("raw", table),
        source=sql.Literal(source),
        object=sql.Literal(object_name),
    )


# One row per object with a loaded load: the latest load (as `raw._latest_loads` names it)
# and the newest loaded load with an earlier snapshot, with the ratio of their row counts.
LOAD_VOLUME_VIEW_SQL = sql.SQL(
    """
drop view if exists {view};
create view {view} as
with

latest as (

    select
        latest_loads.source,
        latest_loads.object,
        latest_loads.load_id,
        latest_loads.snapshot_at,
        loads.row_count
    from raw._latest_loads as latest_loads
    inner join raw._loads as loads
        on loads.load_id = latest_loads.load_id

),

previous as (

    select distinct on (loads.source, loads.object)
        loads.source,
        loads.object,
        loads.load_id,
        loads.snapshot_at,
        loads.row_count
    from raw._loads as loads
    inner join latest
        on
            loads.source = latest.source
            and loads.object = latest.object
            and loads.snapshot_at < latest.snapshot_at
    where loads.status = 'loaded'
    order by loads.source, loads.object, loads.snapshot_at desc, loads.load_id desc

)

select
    latest.source,
    latest.object,
    latest.load_id,
    latest.snapshot_at,
    latest.row_count,
    previous.load_id as previous_load_id,
    previous.snapshot_at as previous_snapshot_at,
    previous.row_count as previous_row_count,
    round(latest.row_count::numeric / nullif(previous.row_count, 0), 4) as row_count_ratio
from latest
left join previous
    on latest.source = previous.source and latest.object = previous.object
"""
).format(view=sql.Identifier(QUALITY_SCHEMA, LOAD_VOLUME_VIEW))


def load_volume_query(source: str, object_name: str) -> str:
    """Return the query selecting one object's row of the load volume view, for a GX query asset."""
    for value in (source, object_name):
        if not _NAME_PATTERN.match(value):
            raise ValueError(f"Invalid raw object name {value!r}: expected [a-z0-9_] only.")
    return (
        f"select * from {QUALITY_SCHEMA}.{LOAD_VOLUME_VIEW} "
        f"where source = '{source}' and object = '{object_name}'"
    )


# Every process that changes the quality schema's views or tables takes this transaction-level
# advisory lock first, because two checks running at once would otherwise race to drop and
# create the same view.
DDL_LOCK_SQL = "select pg_advisory_xact_lock(hashtext('tieout.quality.ddl'))"

LATEST_LOAD_SQL = """
select load_id, snapshot_at
from raw._latest_loads
where source = %s and object = %s
"""

RESULTS_TABLE_SQL = sql.SQL(
    """
create table if not exists {table} (
    result_id bigint generated always as identity primary key,
    run_id text not null,
    suite text not null,
    asset_key text not null,
    check_name text not null,
    success boolean not null,
    statistics jsonb not null,
    results_summary jsonb not null,
    validated_at timestamptz not null default now()
);
create index if not exists validation_results_asset_key_validated_at
    on {table} (asset_key, validated_at desc)
"""
).format(table=sql.Identifier(QUALITY_SCHEMA, RESULTS_TABLE))

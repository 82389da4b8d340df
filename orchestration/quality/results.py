"""Store gate outcomes in `quality.validation_results` and read back a gate's latest status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import dagster as dg
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from orchestration.quality.sql import DDL_LOCK_SQL, QUALITY_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_SQL

if TYPE_CHECKING:
    from orchestration.quality.runner import ValidationOutcome

_TABLE = sql.Identifier(QUALITY_SCHEMA, RESULTS_TABLE)

INSERT_SQL = sql.SQL(
    "insert into {table} "
    "(run_id, suite, asset_key, check_name, success, statistics, results_summary) "
    "values (%s, %s, %s, %s, %s, %s, %s)"
).format(table=_TABLE)

# The rows of the newest run that validated the asset.
LATEST_RUN_SQL = sql.SQL(
    """
select results.suite, results.check_name, results.success
from {table} as results
where
    results.asset_key = %(asset_key)s
    and results.run_id = (
        select newest.run_id
        from {table} as newest
        where newest.asset_key = %(asset_key)s
        order by newest.validated_at desc, newest.result_id desc
        limit 1
    )
"""
).format(table=_TABLE)


def ensure_results_table(connection: psycopg.Connection) -> None:
    """Create `quality.validation_results` when it does not exist, in the caller's transaction."""
    connection.execute(DDL_LOCK_SQL)
    connection.execute(RESULTS_TABLE_SQL)


def store_outcomes(
    connection: psycopg.Connection, run_id: str, outcomes: Iterable[ValidationOutcome]
) -> int:
    """Insert one row per outcome and return the number of rows; the caller commits."""
    ensure_results_table(connection)
    rows = [
        (
            run_id,
            outcome.suite_name,
            outcome.asset_key,
            outcome.check_name,
            outcome.success,
            Jsonb(outcome.statistics),
            Jsonb(outcome.summary()),
        )
        for outcome in outcomes
    ]
    with connection.cursor() as cursor:
        cursor.executemany(INSERT_SQL, rows)
    return len(rows)


def latest_gate_status(connection: psycopg.Connection, asset_key: dg.AssetKey | str) -> bool:
    """Return whether the newest run that validated `asset_key` passed every suite.

    `asset_key` is a `dg.AssetKey` or its string form, such as
    "finance/reconciliation_exceptions". Returns False when the asset was never validated,
    so a caller that gates on it (posting) rejects unvalidated data.
    """
    key = asset_key.to_user_string() if isinstance(asset_key, dg.AssetKey) else asset_key
    if not _results_table_exists(connection):
        return False

    rows = connection.execute(LATEST_RUN_SQL, {"asset_key": key}).fetchall()
    return bool(rows) and all(success for _suite, _check, success in rows)


def _results_table_exists(connection: psycopg.Connection) -> bool:
    row = connection.execute(
        "select to_regclass(%s) is not null", (f"{QUALITY_SCHEMA}.{RESULTS_TABLE}",)
    ).fetchone()
    return bool(row and row[0])

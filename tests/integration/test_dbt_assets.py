"""The dbt assets materialized through Dagster on a warehouse with empty raw tables.

This is the first run of a fresh installation: ingestion has created its tables and
loaded nothing, the posting schema has no posted documents yet, and every model, test
and asset check must still succeed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from orchestration.close.tables import ensure_close_tables
from orchestration.database import WAREHOUSE_SCHEMAS, ConnectionInfo
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.reconciliation.assets import build_dbt_assets
from orchestration.reconciliation.metadata import EXCEPTIONS_KEY, SUMMARY_KEY
from orchestration.reconciliation.partitions import (
    build_period_partitions,
    partition_range_tags,
)
from orchestration.reconciliation.project import load_dbt_project
from orchestration.reconciliation.resources import build_dbt_resource
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.integration

FINANCE_MARTS = (
    "reconciliation_exceptions",
    "reconciliation_matches",
    "reconciliation_summary",
    "ar_tieout",
    "close_readiness",
)


@pytest.fixture(scope="module")
def empty_database(warehouse: ConnectionInfo) -> Iterator[str]:
    """Create a database with the raw and close tables and nothing loaded; drop it after.

    A database of its own keeps rows that other tests load out of the dbt run.
    """
    database = f"tieout_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(database)))

    try:
        with psycopg.connect(warehouse.libpq_url(database)) as connection:
            for schema in WAREHOUSE_SCHEMAS:
                connection.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                )
            ensure_raw_schema(connection)
            ensure_close_tables(connection)
            connection.commit()
        yield database
    finally:
        with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database))
            )


@pytest.fixture(scope="module")
def empty_warehouse_run(
    warehouse: ConnectionInfo, empty_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dg.ExecuteInProcessResult]:
    """Materialize the dbt assets into the empty database.

    The manifest is parsed again for it because the manifest records the database name.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIEOUT_PG_DATABASE", empty_database)
        project = load_dbt_project(tmp_path_factory.mktemp("dbt") / "target", parse=True)
        resources = {
            "dbt": build_dbt_resource(project),
            "warehouse": WarehouseResource(
                url=warehouse.sqlalchemy_url("psycopg", database=empty_database)
            ),
        }
        selection = dg.AssetSelection.all() - dg.AssetSelection.groups("posting")
        partitions = build_period_partitions("2026-06")
        yield dg.materialize(
            build_dbt_assets(project, partitions),
            resources=resources,
            selection=selection,
            tags=partition_range_tags(dg.PartitionKeyRange("2026-06", "2026-11")),
            raise_on_error=False,
        )


def materializations(run: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict]:
    return {
        event.asset_key: event.materialization.metadata
        for event in run.get_asset_materialization_events()
    }


def test_build_succeeds_on_empty_raw(empty_warehouse_run):
    assert empty_warehouse_run.success


def test_finance_marts_are_materialized(empty_warehouse_run):
    materialized = materializations(empty_warehouse_run)

    for mart in FINANCE_MARTS:
        assert dg.AssetKey(["finance", mart]) in materialized, mart


def test_dbt_tests_report_as_passing_checks(empty_warehouse_run):
    evaluations = empty_warehouse_run.get_asset_check_evaluations()
    failed = [evaluation.check_name for evaluation in evaluations if not evaluation.passed]

    assert evaluations
    assert failed == []


def test_marts_report_row_counts(empty_warehouse_run):
    metadata = materializations(empty_warehouse_run)[EXCEPTIONS_KEY]

    assert metadata["dagster/row_count"].value == 0


def test_exceptions_report_counts_by_reason(empty_warehouse_run):
    metadata = materializations(empty_warehouse_run)[EXCEPTIONS_KEY]

    assert metadata["exception_count"].value == 0
    assert metadata["exceptions_by_reason_code"].value == {}


def test_summary_reports_match_rates(empty_warehouse_run):
    metadata = materializations(empty_warehouse_run)[SUMMARY_KEY]

    assert metadata["match_rate_by_pair"].value == {}


def test_built_tables_have_statistics(warehouse, empty_database, empty_warehouse_run):
    # reltuples stays -1 until a table is analyzed; autovacuum leaves empty tables alone,
    # so only the models' ANALYZE post-hook sets it here.
    with psycopg.connect(warehouse.libpq_url(empty_database)) as connection:
        tables = connection.execute(
            "select relnamespace::regnamespace::text || '.' || relname, reltuples"
            " from pg_class where relkind = 'r'"
            " and relnamespace::regnamespace::text in ('canonical', 'reconciliation', 'finance')"
        ).fetchall()

    assert len(tables) > 20
    never_analyzed = [name for name, reltuples in tables if reltuples < 0]
    assert never_analyzed == []

"""The dbt assets materialized through Dagster on a warehouse with empty raw tables.

This is the first run of a fresh installation: ingestion has created its tables and
loaded nothing, the posting schema has no posted documents yet, and every model, test
and asset check must still succeed.
"""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from orchestration.close.tables import ensure_close_tables
from orchestration.database import ConnectionInfo
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.reconciliation.assets import DBT_PROJECT, tieout_dbt_models
from orchestration.reconciliation.metadata import EXCEPTIONS_KEY, SUMMARY_KEY
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
def empty_warehouse_run(warehouse: ConnectionInfo) -> dg.ExecuteInProcessResult:
    with psycopg.connect(warehouse.libpq_url()) as connection:
        ensure_raw_schema(connection)
        ensure_close_tables(connection)
        connection.commit()

    resources = {
        "dbt": build_dbt_resource(DBT_PROJECT),
        "warehouse": WarehouseResource(url=warehouse.sqlalchemy_url("psycopg")),
    }
    selection = dg.AssetSelection.all() - dg.AssetSelection.groups("posting")
    return dg.materialize(
        [tieout_dbt_models], resources=resources, selection=selection, raise_on_error=False
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

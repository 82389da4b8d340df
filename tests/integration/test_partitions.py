"""Accounting-period partitions of the per-period marts on a generated company.

The company is loaded into a database of its own and built once with plain `dbt build`,
which has no period vars and so rebuilds every period. Then Dagster materializes the
partitioned assets: first a backfill of every partition in one run, then one period.
The rows of the partitioned marts are compared before and after each step.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from orchestration.close.signoff import load_signoffs_file
from orchestration.database import WAREHOUSE_SCHEMAS, ConnectionInfo
from orchestration.generator import generate
from orchestration.ingestion.objects import OBJECTS
from orchestration.ingestion.pending import load_pending_files
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.reconciliation.assets import build_dbt_assets
from orchestration.reconciliation.partitions import (
    build_period_partitions,
    partition_range_tags,
)
from orchestration.reconciliation.project import dbt_executable, load_dbt_project
from orchestration.reconciliation.resources import build_dbt_resource
from orchestration.resources import WarehouseResource
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

SEED = 7
# The sample data covers 2026-06 to 2026-11; the snapshot's own month, 2026-12, holds the
# master-data rows. The partitions end at the current month, so they cover both.
FIRST_PERIOD = "2026-06"
ONE_PERIOD = "2026-09"
OTHER_PERIOD = "2026-10"
PARTITIONED_TABLES = (
    "finance.reconciliation_summary",
    "finance.ar_tieout",
    "finance.close_readiness",
    "posting.journal_proposal_lines",
)
PARTITIONED_OPS = ("tieout_period_marts", "tieout_journal_proposals")
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT_TIMEOUT_SECONDS = 600
DBT_COMMAND_MESSAGE = "Running dbt command:"

# Rows of one table by period: each row as PostgreSQL's text form of the record, sorted.
TableRows = dict[str, list[str]]


@dataclass(frozen=True)
class RunRecord:
    """A Dagster run of the partitioned assets with the mart rows before and after it."""

    result: dg.ExecuteInProcessResult
    dbt_commands: dict[str, list[str]]
    before: dict[str, TableRows]
    after: dict[str, TableRows]


@pytest.fixture(scope="module")
def company_database(
    warehouse: ConnectionInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConnectionInfo]:
    """A new database with one generated company loaded, dropped afterwards."""
    name = f"tieout_partitions_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    info = ConnectionInfo(
        host=warehouse.host,
        port=warehouse.port,
        user=warehouse.user,
        password=warehouse.password,
        database=name,
        dagster_database=warehouse.dagster_database,
    )

    try:
        work_dir = tmp_path_factory.mktemp("partitions")
        company_dir = generate(work_dir / "company", seed=SEED)
        with psycopg.connect(info.libpq_url()) as connection:
            for schema in WAREHOUSE_SCHEMAS:
                connection.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
                )
            ensure_raw_schema(connection)
            for spec in OBJECTS:
                load_pending_files(
                    connection, spec, company_dir / "snapshots", work_dir / "quarantine"
                )
            load_signoffs_file(connection, company_dir / "signoffs.csv")
            connection.commit()
        yield info
    finally:
        with psycopg.connect(warehouse.libpq_url("postgres"), autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def full_build(
    company_database: ConnectionInfo, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TableRows]:
    """Run `dbt build` without period vars and return the partitioned marts' rows."""
    target_dir = tmp_path_factory.mktemp("dbt-full")
    environment = {
        **os.environ,
        "TIEOUT_PG_HOST": company_database.host,
        "TIEOUT_PG_PORT": str(company_database.port),
        "TIEOUT_PG_USER": company_database.user,
        "TIEOUT_PG_PASSWORD": company_database.password,
        "TIEOUT_PG_DATABASE": company_database.database,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    completed = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_dir / "target"),
            "--log-path",
            str(target_dir / "logs"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, f"dbt build failed:\n{completed.stdout[-6000:]}"
    return read_tables(company_database)


@pytest.fixture(scope="module")
def partitioned_assets(
    company_database: ConnectionInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[dg.AssetsDefinition], dict]]:
    """The dbt assets and resources of the company database.

    The manifest is parsed for this database, because the manifest records its name.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIEOUT_PG_DATABASE", company_database.database)
        project = load_dbt_project(tmp_path_factory.mktemp("dbt") / "target", parse=True)
        resources = {
            "dbt": build_dbt_resource(project),
            "warehouse": WarehouseResource(
                url=company_database.sqlalchemy_url("psycopg", database=company_database.database)
            ),
        }
        yield build_dbt_assets(project, build_period_partitions(FIRST_PERIOD)), resources


@pytest.fixture(scope="module")
def backfill_run(full_build, company_database, partitioned_assets) -> RunRecord:
    """Materialize every partition of the partitioned assets in one run."""
    assets, resources = partitioned_assets
    keys = assets[1].partitions_def.get_partition_keys()
    tags = partition_range_tags(dg.PartitionKeyRange(keys[0], keys[-1]))
    return run_partitioned(company_database, assets, resources, tags=tags)


@pytest.fixture(scope="module")
def period_run(backfill_run, company_database, partitioned_assets) -> RunRecord:
    """Materialize one period after planting a stale row in it and in another period.

    The planted rows show which periods the run rewrote: the one in its own period must
    be gone, the one in the other period must still be there.
    """
    assets, resources = partitioned_assets
    with psycopg.connect(company_database.libpq_url()) as connection:
        for period in (ONE_PERIOD, OTHER_PERIOD):
            plant_stale_summary_row(connection, period)
        connection.commit()
    return run_partitioned(company_database, assets, resources, partition_key=ONE_PERIOD)


def run_partitioned(
    info: ConnectionInfo,
    assets: list[dg.AssetsDefinition],
    resources: dict,
    *,
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
) -> RunRecord:
    """Materialize the partitioned dbt assets and record the mart rows around the run."""
    before = read_tables(info)
    instance = dg.DagsterInstance.ephemeral()
    selection = [
        key for assets_def in assets if assets_def.partitions_def for key in assets_def.keys
    ]
    result = dg.materialize(
        assets,
        resources=resources,
        selection=selection,
        partition_key=partition_key,
        tags=tags,
        instance=instance,
        raise_on_error=False,
    )
    return RunRecord(
        result=result,
        dbt_commands=dbt_commands_by_op(instance, result.run_id),
        before=before,
        after=read_tables(info),
    )


def dbt_commands_by_op(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """Return the dbt command lines that dagster-dbt logged in the run, by op name."""
    commands: dict[str, list[str]] = {}
    for entry in instance.all_logs(run_id):
        if entry.user_message.startswith(DBT_COMMAND_MESSAGE) and entry.step_key:
            commands.setdefault(entry.step_key, []).append(entry.user_message)
    return commands


def read_tables(info: ConnectionInfo) -> dict[str, TableRows]:
    """Return the rows of every partitioned mart, by table and period."""
    with psycopg.connect(info.libpq_url()) as connection:
        return {table: read_rows_by_period(connection, table) for table in PARTITIONED_TABLES}


def read_rows_by_period(connection: psycopg.Connection, table: str) -> TableRows:
    schema, name = table.split(".")
    statement = sql.SQL(
        "select period, row_record::text from {} as row_record order by period, 2"
    ).format(sql.Identifier(schema, name))
    rows: TableRows = {}
    for period, text in connection.execute(statement):
        rows.setdefault(period, []).append(text)
    return rows


def plant_stale_summary_row(connection: psycopg.Connection, period: str) -> None:
    connection.execute(
        "insert into finance.reconciliation_summary (subsidiary_id, period, pair, total_count)"
        " values (-1, %s, 'stale_probe', 0)",
        (period,),
    )


def has_stale_row(rows: TableRows, period: str) -> bool:
    return any("stale_probe" in row for row in rows.get(period, []))


def test_full_build_covers_partitions(full_build):
    periods = set(full_build["finance.reconciliation_summary"])

    assert None not in periods
    assert min(periods) >= FIRST_PERIOD
    assert len(periods) > 1


def test_backfill_succeeds(backfill_run):
    assert backfill_run.result.success


def test_backfill_runs_one_dbt_build_per_asset(backfill_run):
    keys = build_period_partitions(FIRST_PERIOD).get_partition_keys()
    expected_vars = f'{{"period_start": "{keys[0]}", "period_end": "{keys[-1]}"}}'

    for op_name in PARTITIONED_OPS:
        commands = backfill_run.dbt_commands.get(op_name, [])
        assert len(commands) == 1, (op_name, commands)
        assert f"--vars {expected_vars}" in commands[0], commands[0]


def test_backfill_materializes_every_partition(backfill_run):
    keys = build_period_partitions(FIRST_PERIOD).get_partition_keys()
    summary = dg.AssetKey(["finance", "reconciliation_summary"])
    partitions = {
        event.partition
        for event in backfill_run.result.get_asset_materialization_events()
        if event.asset_key == summary
    }

    assert partitions == set(keys)


def test_backfill_equals_full_build(full_build, backfill_run):
    for table in PARTITIONED_TABLES:
        assert backfill_run.after[table] == full_build[table], table


def test_period_run_succeeds(period_run):
    assert period_run.result.success


def test_period_run_passes_its_period(period_run):
    expected_vars = f'{{"period_start": "{ONE_PERIOD}", "period_end": "{ONE_PERIOD}"}}'

    for op_name in PARTITIONED_OPS:
        commands = period_run.dbt_commands.get(op_name, [])
        assert len(commands) == 1, (op_name, commands)
        assert f"--vars {expected_vars}" in commands[0], commands[0]


def test_period_run_leaves_other_periods(period_run):
    for table in PARTITIONED_TABLES:
        before, after = period_run.before[table], period_run.after[table]
        other_periods = (set(before) | set(after)) - {ONE_PERIOD}
        for period in other_periods:
            assert after.get(period) == before.get(period), (table, period)


def test_period_run_keeps_stale_row_elsewhere(period_run):
    summary = period_run.after["finance.reconciliation_summary"]

    assert has_stale_row(summary, OTHER_PERIOD)


def test_period_run_rewrites_its_period(full_build, period_run):
    summary = period_run.after["finance.reconciliation_summary"]

    assert has_stale_row(period_run.before["finance.reconciliation_summary"], ONE_PERIOD)
    assert not has_stale_row(summary, ONE_PERIOD)
    for table in PARTITIONED_TABLES:
        assert period_run.after[table].get(ONE_PERIOD) == full_build[table].get(ONE_PERIOD), table

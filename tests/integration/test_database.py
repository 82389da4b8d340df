import os
import signal
import subprocess
import sysconfig
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from orchestration.dagster_instance import write_dagster_yaml
from orchestration.database import WAREHOUSE_SCHEMAS, embedded_status

pytestmark = pytest.mark.integration

TIEOUT = Path(sysconfig.get_path("scripts")) / "tieout"


def test_sqlalchemy_psycopg2_connects(warehouse):
    engine = sa.create_engine(warehouse.sqlalchemy_url("psycopg2"))
    try:
        with engine.connect() as connection:
            database = connection.execute(sa.text("select current_database()")).scalar_one()
            schemas = set(
                connection.execute(sa.text("select schema_name from information_schema.schemata"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()

    assert database == warehouse.database
    assert set(WAREHOUSE_SCHEMAS) <= schemas


def test_exported_warehouse_url_names_driver(warehouse):
    assert os.environ["TIEOUT_WAREHOUSE_URL"].startswith("postgresql+psycopg://")
    assert os.environ["TIEOUT_DAGSTER_PG_URL"].startswith("postgresql+psycopg2://")
    assert os.environ["TIEOUT_PG_PORT"] == str(warehouse.port)


def test_dbt_debug_passes(warehouse, warehouse_settings):
    result = subprocess.run(
        ["dbt", "debug", "--project-dir", str(warehouse_settings.dbt_project_dir)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


def test_dagster_instance_stores_runs_in_postgres(warehouse, warehouse_settings):
    path = write_dagster_yaml(warehouse_settings, warehouse)

    @dg.asset
    def probe() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": 1})

    with dg.DagsterInstance.from_config(str(path.parent)) as instance:
        runs_before = len(instance.get_runs())
        result = dg.materialize([probe], instance=instance)
        runs_after = instance.get_runs()

    assert result.success
    assert len(runs_after) == runs_before + 1

    engine = sa.create_engine(os.environ["TIEOUT_DAGSTER_PG_URL"])
    try:
        with engine.connect() as connection:
            stored = connection.execute(sa.text("select count(*) from runs")).scalar_one()
    finally:
        engine.dispose()
    assert stored == len(runs_after)


def _db_up() -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TIEOUT), "db", "up"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
        timeout=180,
    )


@pytest.fixture
def embedded_only(warehouse_settings):
    if not warehouse_settings.uses_embedded_database:
        pytest.skip("TIEOUT_DATABASE_URL is set, so no embedded server runs")
    return warehouse_settings


def test_db_up_twice_reuses_server(warehouse, embedded_only):
    pid_before = embedded_status(embedded_only)["pid"]

    first = _db_up()
    second = _db_up()

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "Reusing embedded PostgreSQL" in second.stderr
    assert embedded_status(embedded_only)["pid"] == pid_before


def test_db_up_recovers_after_sigkill(warehouse, embedded_only):
    killed_pid = embedded_status(embedded_only)["pid"]
    os.kill(killed_pid, signal.SIGKILL)
    time.sleep(0.5)

    result = _db_up()
    status = embedded_status(embedded_only)

    assert result.returncode == 0, result.stderr
    assert f"Removing stale postmaster.pid: PostgreSQL process {killed_pid}" in result.stderr
    assert status["ready"]
    assert status["pid"] != killed_pid
    assert status["port"] == warehouse.port

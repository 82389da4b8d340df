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
from orchestration.database import (
    WAREHOUSE_SCHEMAS,
    embedded_status,
    start_embedded,
    stop_embedded,
)
from orchestration.settings import load_settings

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


def _db_up(environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TIEOUT), "db", "up"],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=180,
    )


@pytest.fixture
def separate_server(warehouse_settings, tmp_path):
    """An embedded server of its own, so killing it leaves the session's server running."""
    if not warehouse_settings.uses_embedded_database:
        pytest.skip("TIEOUT_DATABASE_URL is set, so no embedded server runs")

    environ = os.environ.copy()
    environ["TIEOUT_HOME"] = str(tmp_path / "home")
    environ["DAGSTER_HOME"] = str(tmp_path / "home" / "dagster")
    settings = load_settings(environ)
    start_embedded(settings)
    try:
        yield settings, environ
    finally:
        stop_embedded(settings)


def test_db_up_twice_reuses_server(separate_server):
    settings, environ = separate_server
    pid_before = embedded_status(settings)["pid"]

    first = _db_up(environ)
    second = _db_up(environ)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "Reusing embedded PostgreSQL" in second.stderr
    assert embedded_status(settings)["pid"] == pid_before


def test_db_up_recovers_after_sigkill(separate_server):
    settings, environ = separate_server
    before = embedded_status(settings)
    os.kill(before["pid"], signal.SIGKILL)
    time.sleep(0.5)

    result = _db_up(environ)
    after = embedded_status(settings)

    assert result.returncode == 0, result.stderr
    assert f"Removing stale postmaster.pid: PostgreSQL process {before['pid']}" in result.stderr
    assert after["ready"]
    assert after["pid"] != before["pid"]
    assert after["port"] == before["port"]

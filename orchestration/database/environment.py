"""Publish connection details as environment variables for dbt, Dagster and subprocesses."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

from orchestration.database.connection import ConnectionInfo
from orchestration.database.provision import dagster_connection
from orchestration.settings import Settings


def export_environment(info: ConnectionInfo, settings: Settings) -> None:
    """Set the variables read by dbt's profiles.yml, dagster.yaml and the Dagster resources.

    Also turns off usage tracking in dbt and other tools, and puts this environment's
    scripts directory first on PATH because dagster-dbt runs the `dbt` found there.
    """
    dagster_info = dagster_connection(info, settings)

    os.environ.update(
        {
            "TIEOUT_PG_HOST": info.host,
            "TIEOUT_PG_PORT": str(info.port),
            "TIEOUT_PG_USER": info.user,
            "TIEOUT_PG_PASSWORD": info.password,
            "TIEOUT_PG_DATABASE": info.database,
            "TIEOUT_WAREHOUSE_URL": info.sqlalchemy_url("psycopg"),
            # dagster-postgres is tested against psycopg2.
            "TIEOUT_DAGSTER_PG_URL": dagster_info.sqlalchemy_url("psycopg2"),
            "DAGSTER_HOME": str(settings.dagster_home),
            "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "PATH": _path_with_scripts_first(os.environ.get("PATH", "")),
        }
    )


def _path_with_scripts_first(path: str) -> str:
    scripts = str(Path(sysconfig.get_path("scripts")))
    rest = [entry for entry in path.split(os.pathsep) if entry and entry != scripts]
    return os.pathsep.join([scripts, *rest])

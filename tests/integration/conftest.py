"""A PostgreSQL server for the integration tests, shared by the whole session.

Without TIEOUT_DATABASE_URL the embedded server runs in a temporary TIEOUT_HOME and is
stopped at the end. With it, the tests run in a throw-away database on that server,
dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from orchestration.database import (
    ConnectionInfo,
    ensure_database,
    export_environment,
    parse_database_url,
    stop_embedded,
)
from orchestration.settings import Settings, load_settings


@pytest.fixture(scope="session")
def warehouse_settings(tmp_path_factory) -> Iterator[Settings]:
    """Settings whose TIEOUT_HOME is a temporary folder, exported to os.environ."""
    home = tmp_path_factory.mktemp("tieout-home")
    base = load_settings()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIEOUT_HOME", str(home))
        patch.setenv("DAGSTER_HOME", str(home / "dagster"))
        patch.delenv("TIEOUT_SNAPSHOTS", raising=False)
        patch.delenv("TIEOUT_DAGSTER_DATABASE_URL", raising=False)
        if base.database_url is not None:
            name = f"tieout_test_{uuid.uuid4().hex[:8]}"
            patch.setenv("TIEOUT_DATABASE_URL", _with_database(base.database_url, name))
        yield load_settings()


@pytest.fixture(scope="session")
def warehouse(warehouse_settings: Settings) -> Iterator[ConnectionInfo]:
    """Provisioned databases with the connection environment exported."""
    settings = warehouse_settings
    saved_environ = dict(os.environ)
    info = ensure_database(settings)
    export_environment(info, settings)
    try:
        yield info
    finally:
        if settings.uses_embedded_database:
            stop_embedded(settings)
        else:
            _drop_databases(info)
        os.environ.clear()
        os.environ.update(saved_environ)


def _with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


def _drop_databases(info: ConnectionInfo) -> None:
    maintenance = parse_database_url(info.libpq_url("postgres"))
    with psycopg.connect(maintenance.libpq_url(), autocommit=True) as connection:
        for name in (info.database, info.dagster_database):
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )

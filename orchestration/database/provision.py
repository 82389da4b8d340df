"""Create the warehouse and Dagster databases and the warehouse schemas."""

from __future__ import annotations

import dataclasses
import logging

import psycopg
from psycopg import sql

from orchestration.database.connection import ConnectionInfo, parse_database_url
from orchestration.database.embedded import start_embedded
from orchestration.settings import Settings

logger = logging.getLogger("tieout.database")

# One schema per layer of the warehouse, in the order data flows through them.
WAREHOUSE_SCHEMAS = ("raw", "staging", "canonical", "finance", "posting", "quality", "ops")
# Every PostgreSQL server has this database, so CREATE DATABASE can be issued from it.
MAINTENANCE_DATABASE = "postgres"


def ensure_database(settings: Settings) -> ConnectionInfo:
    """Return a server with the warehouse and Dagster databases and the warehouse schemas.

    Without TIEOUT_DATABASE_URL this starts or reuses the embedded server. With it, the
    server named by the URL is used as it is and nothing is started. Databases and schemas
    that already exist are left unchanged.
    """
    if settings.database_url is None:
        info = start_embedded(settings)
    else:
        info = parse_database_url(settings.database_url)

    dagster_info = dagster_connection(info, settings)
    if settings.dagster_database_url is not None:
        info = dataclasses.replace(info, dagster_database=dagster_info.database)

    _create_database_if_missing(info, info.database)
    _create_database_if_missing(dagster_info, dagster_info.database)
    _create_schemas(info)
    return info


def dagster_connection(info: ConnectionInfo, settings: Settings) -> ConnectionInfo:
    """Return the server and database that hold Dagster's run, event and schedule storage.

    TIEOUT_DAGSTER_DATABASE_URL may name another server. Without it, Dagster's database
    sits on the warehouse server under `info.dagster_database`.
    """
    if settings.dagster_database_url is None:
        return dataclasses.replace(info, database=info.dagster_database)
    return parse_database_url(settings.dagster_database_url)


def _create_database_if_missing(info: ConnectionInfo, database: str) -> None:
    if _database_exists(info, database):
        return

    # CREATE DATABASE cannot run inside a transaction, hence autocommit.
    with psycopg.connect(info.libpq_url(MAINTENANCE_DATABASE), autocommit=True) as connection:
        exists = connection.execute(
            "select 1 from pg_database where datname = %s", (database,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
            logger.info("Created database %s on %s:%d", database, info.host, info.port)


def _database_exists(info: ConnectionInfo, database: str) -> bool:
    # Connecting to the database itself first means a role that may not reach the
    # maintenance database still works against databases that already exist.
    try:
        with psycopg.connect(info.libpq_url(database), connect_timeout=10):
            return True
    except psycopg.errors.InvalidCatalogName:
        return False
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return False
        raise


def _create_schemas(info: ConnectionInfo) -> None:
    with psycopg.connect(info.libpq_url()) as connection:
        for schema in WAREHOUSE_SCHEMAS:
            connection.execute(
                sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
            )

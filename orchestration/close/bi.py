"""The read-only role `tieout_bi` for BI tools: it reads the `finance` schema and nothing else."""

from __future__ import annotations

import dataclasses
import logging

import psycopg
from psycopg import sql

from orchestration.database import WAREHOUSE_SCHEMAS, ConnectionInfo

logger = logging.getLogger("tieout.close")

BI_ROLE = "tieout_bi"
BI_SCHEMA = "finance"


def ensure_bi_role(conn: psycopg.Connection, password: str | None = None) -> None:
    """Create or update the login role `tieout_bi` with read access to `finance` only.

    The role gets CONNECT on the database, USAGE on `finance`, SELECT on its tables and
    views, and SELECT on the tables the connected user (the dbt user) creates there later.
    Privileges on the other warehouse schemas are revoked. With `password` None the role
    has no password, which suits only a server with trust authentication such as the
    embedded one. Runs in the caller's transaction; the caller commits.
    """
    role = sql.Identifier(BI_ROLE)
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (BI_ROLE,)).fetchone()
    if exists is None:
        conn.execute(sql.SQL("create role {} login").format(role))
        logger.info("Created role %s", BI_ROLE)

    # The role reads and never writes, so it gets no superuser, creation or bypass rights.
    conn.execute(
        sql.SQL(
            "alter role {} login nosuperuser nocreatedb nocreaterole noinherit nobypassrls"
        ).format(role)
    )
    if password is None:
        conn.execute(sql.SQL("alter role {} password null").format(role))
    else:
        conn.execute(sql.SQL("alter role {} password {}").format(role, sql.Literal(password)))

    database = conn.execute("select current_database()").fetchone()[0]
    conn.execute(
        sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role)
    )

    schema = sql.Identifier(BI_SCHEMA)
    conn.execute(sql.SQL("create schema if not exists {}").format(schema))
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))
    # dbt rebuilds a table by creating a new one and swapping it in, so grants on the old
    # table are lost. Default privileges give each new table the SELECT grant.
    conn.execute(
        sql.SQL(
            "alter default privileges for role {} in schema {} grant select on tables to {}"
        ).format(sql.Identifier(_current_user(conn)), schema, role)
    )

    for other in WAREHOUSE_SCHEMAS:
        if other == BI_SCHEMA or not _schema_exists(conn, other):
            continue
        conn.execute(sql.SQL("revoke all on schema {} from {}").format(sql.Identifier(other), role))
        conn.execute(
            sql.SQL("revoke all on all tables in schema {} from {}").format(
                sql.Identifier(other), role
            )
        )


def bi_connection(info: ConnectionInfo, password: str | None) -> ConnectionInfo:
    """Return the warehouse connection details with `tieout_bi` as the user."""
    return dataclasses.replace(info, user=BI_ROLE, password=password or "")


def _current_user(conn: psycopg.Connection) -> str:
    return conn.execute("select current_user").fetchone()[0]


def _schema_exists(conn: psycopg.Connection, schema: str) -> bool:
    row = conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone()
    return row is not None

"""The tieout_bi role reads the finance schema and nothing else, on a real server."""

from __future__ import annotations

import psycopg
import pytest

from orchestration.close.bi import BI_ROLE, bi_connection, ensure_bi_role
from orchestration.close.tables import ensure_close_tables

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bi_url(warehouse) -> str:
    with psycopg.connect(warehouse.libpq_url()) as conn:
        for schema in ("finance", "raw", "posting"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute("create table if not exists finance.bi_probe (amount numeric)")
        conn.execute("insert into finance.bi_probe values (12.5)")
        conn.execute("create table if not exists raw.bi_probe (amount numeric)")
        conn.execute("create table if not exists posting.bi_probe (amount numeric)")
        ensure_bi_role(conn)
        # A second run changes nothing and raises nothing.
        ensure_bi_role(conn)
        # A table that dbt creates after the grant is readable through default privileges.
        conn.execute("create table finance.bi_probe_later as select 1 as value")

    # The embedded test server trusts loopback connections, so the role needs no password.
    return bi_connection(warehouse, password=None).libpq_url()


def test_bi_role_connects_as_itself(bi_url):
    with psycopg.connect(bi_url) as conn:
        assert conn.execute("select current_user").fetchone()[0] == BI_ROLE


def test_bi_role_reads_finance(bi_url):
    with psycopg.connect(bi_url) as conn:
        assert conn.execute("select amount from finance.bi_probe").fetchall() == [(12.5,)]


def test_bi_role_reads_later_tables(bi_url):
    with psycopg.connect(bi_url) as conn:
        assert conn.execute("select value from finance.bi_probe_later").fetchone() == (1,)


@pytest.mark.parametrize("table", ["raw.bi_probe", "posting.bi_probe", "ops.period_signoffs"])
def test_bi_role_cannot_read_other_schemas(bi_url, warehouse, table):
    with psycopg.connect(warehouse.libpq_url()) as conn:
        ensure_close_tables(conn)

    with psycopg.connect(bi_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"select * from {table}")


@pytest.mark.parametrize(
    "statement",
    [
        "insert into finance.bi_probe values (1)",
        "update finance.bi_probe set amount = 0",
        "delete from finance.bi_probe",
        "create table finance.bi_written (value integer)",
    ],
)
def test_bi_role_cannot_write_finance(bi_url, statement):
    with psycopg.connect(bi_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_bi_role_has_password_when_given(warehouse):
    with psycopg.connect(warehouse.libpq_url()) as conn:
        ensure_bi_role(conn, password="read-only-secret")
        has_password = conn.execute(
            "select rolpassword is not null from pg_authid where rolname = %s", (BI_ROLE,)
        ).fetchone()[0]
        ensure_bi_role(conn)
        cleared = conn.execute(
            "select rolpassword is null from pg_authid where rolname = %s", (BI_ROLE,)
        ).fetchone()[0]

    assert has_password
    assert cleared


def test_bi_connection_url_names_role(warehouse):
    url = bi_connection(warehouse, password="p@ss").libpq_url()

    assert url.startswith(f"postgresql://{BI_ROLE}:p%40ss@")
    assert url.endswith(f"/{warehouse.database}")

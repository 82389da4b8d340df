"""The close report's queries on hand-made finance marts in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from orchestration.close.report.data import fetch_report_data
from orchestration.close.report.render import render_report
from orchestration.settings import load_settings

pytestmark = pytest.mark.integration

MARTS = """
create schema if not exists finance;
drop table if exists finance.reconciliation_summary cascade;
drop table if exists finance.reconciliation_exceptions cascade;
drop table if exists finance.ar_tieout cascade;
drop table if exists finance.close_readiness cascade;
drop table if exists finance.restated_after_signoff cascade;
drop schema if exists posting cascade;

create table finance.reconciliation_summary (
    subsidiary_id integer, period text, pair text,
    matched_count bigint, unmatched_count bigint, total_count bigint
);
insert into finance.reconciliation_summary values
    (1, '2026-11', 'billing-GL', 90, 10, 100),
    (1, '2026-10', 'billing-GL', 10, 0, 10),
    (2, '2026-11', 'billing-GL', 45, 5, 50);

create table finance.reconciliation_exceptions (
    exception_id text, reason_code text, subsidiary_id integer, period text,
    difference_functional numeric, age_days integer
);
insert into finance.reconciliation_exceptions values
    ('a', 'INVOICE_NOT_POSTED', 1, '2026-11', -100.50, 5),
    ('b', 'INVOICE_NOT_POSTED', 1, '2026-11', -200.00, 45),
    ('c', 'AMOUNT_MISMATCH', 1, '2026-11', 3.25, null),
    ('d', 'AMOUNT_MISMATCH', 2, '2026-11', 7.00, 120),
    ('e', 'AMOUNT_MISMATCH', 2, '2026-10', 7.00, 1);

create table finance.close_readiness (subsidiary_id integer, period text, ready boolean);
insert into finance.close_readiness values (1, '2026-11', false), (2, '2026-11', true);
"""


@pytest.fixture
def conn(warehouse):
    # Everything happens in one transaction that is rolled back, so other tests keep
    # their own marts.
    with psycopg.connect(warehouse.libpq_url()) as connection:
        connection.execute(MARTS)
        yield connection
        connection.rollback()


@pytest.fixture
def report_data(conn):
    seed = load_settings().dbt_project_dir / "seeds" / "subsidiaries.csv"
    return fetch_report_data(conn, "2026-11", seed, datetime(2026, 12, 3, tzinfo=UTC))


def test_match_rates_per_subsidiary(report_data):
    rows = report_data.sections["match_rates"].rows

    assert [(row["subsidiary_id"], row["match_rate"]) for row in rows] == [(1, 0.9), (2, 0.9)]


def test_unmatched_by_reason_and_age(report_data):
    rows = report_data.sections["unmatched"].rows

    assert [
        (row["subsidiary_id"], row["reason_code"], row["age_bucket"], row["amount_functional"])
        for row in rows
    ] == [
        (1, "AMOUNT_MISMATCH", "age unknown", 3.25),
        (1, "INVOICE_NOT_POSTED", "0-30 days", 100.5),
        (1, "INVOICE_NOT_POSTED", "31-60 days", 200.0),
        (2, "AMOUNT_MISMATCH", "over 90 days", 7.0),
    ]


def test_missing_relations_are_reported(report_data):
    sections = report_data.sections

    assert sections["ar_tieout"].unavailable == "finance.ar_tieout does not exist yet."
    assert sections["posting"].unavailable == "posting.batches does not exist yet."
    assert sections["close_readiness"].unavailable is None


def test_failed_query_keeps_connection(conn):
    conn.execute("create schema posting")
    conn.execute("create table posting.batches (batch_id text, period text)")
    seed = load_settings().dbt_project_dir / "seeds" / "subsidiaries.csv"

    data = fetch_report_data(conn, "2026-11", seed, datetime(2026, 12, 3, tzinfo=UTC))

    assert data.sections["posting"].unavailable.startswith("Reading posting.batches failed")
    assert conn.execute("select 1").fetchone() == (1,)


def test_subsidiaries_from_seed(report_data):
    names = [subsidiary.name for subsidiary in report_data.subsidiaries]

    assert names == ["tieout Inc.", "tieout Ltd", "tieout GmbH"]


def test_report_renders_from_warehouse(report_data):
    html = render_report(report_data)

    assert "posting.batches does not exist yet." in html
    assert "90.0%" in html

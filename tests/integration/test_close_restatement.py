"""Restatement detection: finance.restated_after_signoff built by dbt over hand-made loads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest

from orchestration.close.dbt_cli import run_dbt
from orchestration.close.signoff import record_signoff
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.settings import load_settings

pytestmark = pytest.mark.integration

BEFORE_SNAPSHOT = datetime(2026, 12, 1, 12, tzinfo=UTC)
SIGNED_OFF_AT = datetime(2026, 12, 2, 9, tzinfo=UTC)
AFTER_SNAPSHOT = datetime(2026, 12, 5, 6, tzinfo=UTC)

CUSTOMER_LOAD = 9101
BEFORE_LOAD = 9102
AFTER_LOAD = 9103


def unix(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# id: (total, finalized_at in UTC, status). The customer belongs to subsidiary 1, whose
# time zone is America/Los_Angeles.
BEFORE_INVOICES = {
    "in_paid_later": (100, unix("2026-11-10T12:00:00"), "open"),
    "in_changed": (200, unix("2026-11-12T12:00:00"), "open"),
    "in_removed": (300, unix("2026-11-14T12:00:00"), "open"),
    # 06:30 UTC on 1 December is 22:30 on 30 November in Los Angeles.
    "in_late_november": (400, unix("2026-12-01T06:30:00"), "open"),
    "in_december": (500, unix("2026-12-01T09:00:00"), "open"),
}
AFTER_INVOICES = {
    "in_paid_later": (100, unix("2026-11-10T12:00:00"), "paid"),
    "in_changed": (250, unix("2026-11-12T12:00:00"), "open"),
    "in_late_november": (400, unix("2026-12-01T06:30:00"), "open"),
    "in_december": (550, unix("2026-12-01T09:00:00"), "open"),
}


def insert_load(conn, load_id, source, object_name, snapshot_at):
    conn.execute(
        """
        insert into raw._loads
            (load_id, source, object, file_path, sha256, byte_size, row_count,
             snapshot_at, status)
        values (%s, %s, %s, %s, %s, 0, 0, %s, 'loaded')
        """,
        (load_id, source, object_name, f"/{load_id}.jsonl", f"sha-{load_id}", snapshot_at),
    )


def insert_invoices(conn, load_id, invoices):
    for line_number, (invoice_id, (total, finalized_at, status)) in enumerate(
        invoices.items(), start=1
    ):
        record = {"id": invoice_id, "total": total * 100, "status": status}
        conn.execute(
            """
            insert into raw.stripe__invoice
                (_load_id, _line_number, id, customer, status, currency, subtotal, tax,
                 total, amount_paid, finalized_at, _record)
            values (%s, %s, %s, 'cus_1', %s, 'usd', %s, 0, %s, %s, %s, %s)
            """,
            (
                load_id,
                line_number,
                invoice_id,
                status,
                total,
                total,
                total if status == "paid" else 0,
                finalized_at,
                json.dumps(record),
            ),
        )


@pytest.fixture(scope="module")
def restated_rows(warehouse, tmp_path_factory) -> list[dict]:
    with psycopg.connect(warehouse.libpq_url()) as conn:
        ensure_raw_schema(conn)
        insert_load(conn, CUSTOMER_LOAD, "stripe", "customer", BEFORE_SNAPSHOT)
        conn.execute(
            """
            insert into raw.stripe__customer (_load_id, _line_number, id, subsidiary, _record)
            values (%s, 1, 'cus_1', '1', '{}')
            """,
            (CUSTOMER_LOAD,),
        )
        insert_load(conn, BEFORE_LOAD, "stripe", "invoice", BEFORE_SNAPSHOT)
        insert_invoices(conn, BEFORE_LOAD, BEFORE_INVOICES)
        insert_load(conn, AFTER_LOAD, "stripe", "invoice", AFTER_SNAPSHOT)
        insert_invoices(conn, AFTER_LOAD, AFTER_INVOICES)
        record_signoff(conn, "2026-11", "Ana Ortiz", signed_off_at=SIGNED_OFF_AT)

    target = tmp_path_factory.mktemp("dbt-target")
    settings = load_settings()
    run_dbt(settings, ["seed", "--select", "subsidiaries", "currencies", "reason_codes"], target)
    run_dbt(settings, ["build", "--select", "restated_after_signoff"], target)

    with (
        psycopg.connect(warehouse.libpq_url()) as conn,
        conn.cursor(row_factory=psycopg.rows.dict_row) as cursor,
    ):
        return cursor.execute(
            "select * from finance.restated_after_signoff order by source_id"
        ).fetchall()


def test_restatement_finds_changed_and_removed(restated_rows):
    assert [row["source_id"] for row in restated_rows] == ["in_changed", "in_removed"]


def test_restatement_rows_carry_contract(restated_rows):
    for row in restated_rows:
        assert row["reason_code"] == "RESTATED_AFTER_SIGNOFF"
        assert row["pair"] == "sign_off"
        assert row["severity"] == "high"
        assert row["source_system"] == "stripe"
        assert row["source_object"] == "invoice"
        assert row["subsidiary_id"] == 1
        assert row["period"] == "2026-11"
        assert row["difference"] == 0
        assert row["snapshot_at"] == AFTER_SNAPSHOT


def test_restatement_detail_shows_change(restated_rows):
    changed = json.loads(restated_rows[0]["detail"])

    assert changed["change"] == "changed"
    assert changed["fields"]["total"] == {"before": 200, "after": 250}
    assert set(changed["fields"]) == {"total", "subtotal"}
    assert changed["signed_off_by"] == "Ana Ortiz"


def test_restatement_detail_shows_removal(restated_rows):
    removed = json.loads(restated_rows[1]["detail"])

    assert removed["change"] == "disappeared"
    assert removed["fields"]["total"] == {"before": 300, "after": None}
    assert restated_rows[1]["right_id"] is None
    assert restated_rows[1]["left_id"] == "in_removed"

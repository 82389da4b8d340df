"""Loading good files: duplicates, new snapshots, the latest-load view and crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.ingestion.loader import load_file
from orchestration.ingestion.objects import spec_for_file
from orchestration.ingestion.schema import ensure_raw_schema

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST = datetime(2026, 12, 1, 6, tzinfo=UTC)
SECOND = datetime(2026, 12, 2, 6, tzinfo=UTC)

INVOICE_SPEC = spec_for_file("stripe", "invoice.jsonl")


def invoice_line(number: int, tag: str) -> str:
    return (
        f'{{"id":"in_{tag}_{number}","object":"invoice","customer":"cus_{number % 7}",'
        f'"status":"paid","currency":"jpy","total":{1000 + number},"created":1767225600,'
        f'"lines":{{"has_more":false,"data":[{{"id":"il_{tag}_{number}","currency":"jpy",'
        f'"amount":{1000 + number},"period":{{"start":1767225600,"end":1769904000}}}}]}}}}\n'
    )


@pytest.fixture
def connection(warehouse):
    with psycopg.connect(warehouse.libpq_url(), autocommit=False) as connection:
        ensure_raw_schema(connection)
        yield connection


def test_double_load_is_noop(connection, tmp_path):
    path = tmp_path / "invoice.jsonl"
    path.write_text("".join(invoice_line(n, tmp_path.name) for n in range(5)))

    first = load_file(connection, INVOICE_SPEC, path, FIRST, tmp_path)
    second = load_file(connection, INVOICE_SPEC, path, FIRST, tmp_path)

    assert first.status == "loaded"
    assert first.row_count == 5
    assert first.child_row_counts == {"stripe__invoice_line": 5}
    assert second.status == "skipped_duplicate"
    assert second.duplicate_of == first.load_id
    rows = connection.execute(
        "select count(*) from raw.stripe__invoice where _load_id = %s", (second.load_id,)
    ).fetchone()[0]
    assert rows == 0
    statuses = connection.execute(
        "select status from raw._loads where file_path = %s order by load_id", (str(path),)
    ).fetchall()
    assert statuses == [("loaded",), ("skipped_duplicate",)]
    connection.rollback()


def test_amounts_use_currency_exponent(connection, tmp_path):
    path = tmp_path / "invoice.jsonl"
    path.write_text(invoice_line(1, tmp_path.name))

    result = load_file(connection, INVOICE_SPEC, path, FIRST, tmp_path)

    total, record = connection.execute(
        "select total::text, _record ->> 'id' from raw.stripe__invoice where _load_id = %s",
        (result.load_id,),
    ).fetchone()
    assert total == "1001"
    assert record == f"in_{tmp_path.name}_1"
    connection.rollback()


def test_record_keeps_file_text(connection, tmp_path):
    # Spacing and key order as Stripe wrote them; jsonb would normalize both.
    text = (
        f'{{"total": 5, "id": "in_{tmp_path.name}", "object": "invoice", "customer": "cus_1",'
        ' "status": "paid", "currency": "usd", "created": 1767225600,'
        ' "lines": {"has_more": false, "data": []}}'
    )
    path = tmp_path / "invoice.jsonl"
    path.write_text(text + "\n")

    result = load_file(connection, INVOICE_SPEC, path, FIRST, tmp_path)

    record = connection.execute(
        "select _record::text from raw.stripe__invoice where _load_id = %s", (result.load_id,)
    ).fetchone()[0]
    assert result.status == "loaded"
    assert record == text
    connection.rollback()


def test_load_refreshes_statistics(connection, tmp_path):
    path = tmp_path / "invoice.jsonl"
    path.write_text("".join(invoice_line(n, tmp_path.name) for n in range(30)))

    load_file(connection, INVOICE_SPEC, path, FIRST, tmp_path)

    # ANALYZE reads every row of a table this small, so reltuples is the exact count.
    for table in ("stripe__invoice", "stripe__invoice_line"):
        estimated, counted = connection.execute(
            sql.SQL(
                "select (select reltuples from pg_class where oid = %s::regclass),"
                " (select count(*) from {})"
            ).format(sql.Identifier("raw", table)),
            (f"raw.{table}",),
        ).fetchone()
        assert estimated == counted, table
    connection.rollback()


def test_latest_load_view_picks_newest_snapshot(connection, tmp_path):
    spec = spec_for_file("netsuite", "account.csv")
    older = tmp_path / "old" / "account.csv"
    newer = tmp_path / "new" / "account.csv"
    for path, name in ((older, "Cash"), (newer, "Cash and equivalents")):
        path.parent.mkdir()
        path.write_text(
            f"id,acctnumber,accttype,accountsearchdisplayname\n1,{tmp_path.name},Bank,{name}\n"
        )

    # Loaded out of order: the view follows snapshot time, not load order.
    new_result = load_file(connection, spec, newer, SECOND, tmp_path)
    old_result = load_file(connection, spec, older, FIRST, tmp_path)

    assert new_result.status == "loaded"
    assert old_result.status == "loaded"
    latest = connection.execute(
        "select load_id from raw._latest_loads where source = 'netsuite' and object = 'account'"
    ).fetchone()[0]
    assert latest == new_result.load_id
    connection.rollback()


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    import psycopg
    from orchestration.ingestion.loader import load_file
    from orchestration.ingestion.objects import spec_for_file

    url, path, quarantine = sys.argv[1:4]
    with psycopg.connect(url, autocommit=False) as connection:
        load_file(connection, spec_for_file("stripe", "invoice.jsonl"), path,
                  datetime(2026, 12, 1, tzinfo=UTC), quarantine)
    """
)


def test_killed_load_leaves_nothing(connection, warehouse, tmp_path):
    path = tmp_path / "invoice.jsonl"
    with path.open("w") as file:
        for number in range(400_000):
            file.write(invoice_line(number, tmp_path.name))
    max_load_id = connection.execute("select coalesce(max(load_id), 0) from raw._loads").fetchone()
    connection.rollback()

    process = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, warehouse.libpq_url(), str(path), str(tmp_path)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    copying = _wait_for_copy(connection, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert copying, "the loader finished or failed before it was seen copying"
    assert process.returncode == -signal.SIGKILL
    _wait_for_backend_exit(connection)
    rows = connection.execute(
        "select count(*) from raw.stripe__invoice where _load_id > %s", max_load_id
    ).fetchone()[0]
    lines = connection.execute(
        "select count(*) from raw.stripe__invoice_line where _load_id > %s", max_load_id
    ).fetchone()[0]
    manifest = connection.execute(
        "select count(*) from raw._loads where file_path = %s", (str(path),)
    ).fetchone()[0]
    connection.rollback()
    assert rows == 0
    assert lines == 0
    assert manifest == 0


def _wait_for_copy(connection, process, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        copying = connection.execute(
            "select count(*) from pg_stat_progress_copy"
            " where relid = 'raw.stripe__invoice'::regclass and tuples_processed > 1000"
        ).fetchone()[0]
        connection.rollback()
        if copying:
            return True
        time.sleep(0.05)
    return False


def _wait_for_backend_exit(connection, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = connection.execute("select count(*) from pg_stat_progress_copy").fetchone()[0]
        connection.rollback()
        if not active:
            return
        time.sleep(0.1)

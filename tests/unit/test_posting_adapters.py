"""ERP adapters: the NetSuite import CSV and the REST client's error classification."""

import csv
import io
import threading
from datetime import date
from decimal import Decimal

import httpx
import pytest

from orchestration.posting.adapters import (
    NetSuiteCsvAdapter,
    PermanentErpError,
    RestErpAdapter,
    TransientErpError,
)
from orchestration.posting.adapters.netsuite_csv import COLUMNS, render_journal_csv
from orchestration.posting.adapters.rest import IDEMPOTENCY_HEADER
from orchestration.posting.journal import Journal, JournalLine

JOURNAL = Journal(
    external_id="tieout-0123456789abcdef",
    subsidiary_id=2,
    currency="EUR",
    exchange_rate=Decimal("0.85"),
    date=date(2026, 3, 31),
    posting_period="2026-03",
    memo="tieout batch JP-2-2026-03-EUR.1",
    lines=(
        JournalLine("1200", Decimal("50.00"), Decimal(0), memo="Receivable"),
        JournalLine(
            "4200",
            Decimal(0),
            Decimal("50.00"),
            memo="Revenue",
            class_="Services",
            tax_code="GB_STANDARD",
        ),
    ),
)


def test_render_csv_rows_repeat_header():
    rows = list(csv.DictReader(io.StringIO(render_journal_csv(JOURNAL))))

    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2
    assert {row["External ID"] for row in rows} == {JOURNAL.external_id}
    assert rows[0]["Posting Period"] == "Mar 2026"
    assert rows[0]["Date"] == "03/31/2026"
    assert rows[0]["Exchange Rate"] == "0.85"
    assert (rows[0]["Debit"], rows[0]["Credit"]) == ("50", "")
    assert (rows[1]["Debit"], rows[1]["Credit"]) == ("", "50")
    assert rows[1]["Class"] == "Services"
    assert rows[1]["Tax Code"] == "GB_STANDARD"


def test_csv_adapter_writes_once(tmp_path):
    adapter = NetSuiteCsvAdapter(tmp_path / "drop")

    first = adapter.post(JOURNAL)
    second = adapter.post(JOURNAL)

    files = sorted(path.name for path in (tmp_path / "drop").iterdir())
    assert files == [f"{JOURNAL.external_id}.csv"]
    assert not first.replayed
    assert second.replayed
    assert first.erp_journal_id == second.erp_journal_id


def test_csv_adapter_rejects_reused_key(tmp_path):
    adapter = NetSuiteCsvAdapter(tmp_path)
    adapter.post(JOURNAL)
    changed = Journal(**{**JOURNAL.__dict__, "memo": "another journal"})

    with pytest.raises(PermanentErpError, match="different content"):
        adapter.post(changed)


def test_csv_adapter_concurrent_writers(tmp_path):
    adapter = NetSuiteCsvAdapter(tmp_path)
    results = []

    threads = [
        threading.Thread(target=lambda: results.append(adapter.post(JOURNAL))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(not result.replayed for result in results) == 1
    assert [path.name for path in tmp_path.iterdir()] == [f"{JOURNAL.external_id}.csv"]


def test_csv_adapter_rejects_path_in_key(tmp_path):
    adapter = NetSuiteCsvAdapter(tmp_path)
    bad = Journal(**{**JOURNAL.__dict__, "external_id": "../escape"})

    with pytest.raises(PermanentErpError, match="Invalid idempotency key"):
        adapter.post(bad)


def _rest_adapter(handler) -> RestErpAdapter:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return RestErpAdapter("http://erp.test", client=client)


def test_rest_adapter_sends_idempotency_key():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["key"] = request.headers[IDEMPOTENCY_HEADER]
        seen["body"] = request.read()
        return httpx.Response(201, json={"id": "7002", "tranid": "JE7002"})

    result = _rest_adapter(handler).post(JOURNAL)

    assert seen["key"] == JOURNAL.external_id
    assert b'"debit":"50"' in seen["body"].replace(b" ", b"")
    assert result.erp_journal_id == "7002"
    assert not result.replayed


def test_rest_adapter_replay_is_success():
    adapter = _rest_adapter(lambda request: httpx.Response(200, json={"id": "7002"}))

    result = adapter.post(JOURNAL)

    assert result.erp_journal_id == "7002"
    assert result.replayed


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_rest_adapter_transient_statuses(status):
    adapter = _rest_adapter(lambda request: httpx.Response(status, json={"detail": "busy"}))

    with pytest.raises(TransientErpError) as raised:
        adapter.post(JOURNAL)

    assert raised.value.status_code == status


@pytest.mark.parametrize("status", [400, 409, 422])
def test_rest_adapter_permanent_statuses(status):
    detail = {
        "detail": {"code": "PERIOD_CLOSED", "message": "Accounting period Jan 2026 is closed."}
    }
    adapter = _rest_adapter(lambda request: httpx.Response(status, json=detail))

    with pytest.raises(PermanentErpError, match="Jan 2026 is closed") as raised:
        adapter.post(JOURNAL)

    assert raised.value.status_code == status


def test_rest_adapter_timeout_is_transient():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(TransientErpError, match="timed out"):
        _rest_adapter(handler).post(JOURNAL)


def test_rest_adapter_connection_error_is_transient():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TransientErpError, match="unreachable"):
        _rest_adapter(handler).post(JOURNAL)


def test_rest_adapter_success_without_id_is_transient():
    adapter = _rest_adapter(lambda request: httpx.Response(201, text="<html>proxy</html>"))

    with pytest.raises(TransientErpError, match="without a journal id"):
        adapter.post(JOURNAL)

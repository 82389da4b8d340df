"""The ERP sandbox API: validation, idempotency keys, reads and the NetSuite export."""

from __future__ import annotations

import csv
import threading

import httpx
import pytest
from posting_support import (
    SNAPSHOT_TIME,
    drop_database,
    fresh_database,
    running_sandbox,
    write_netsuite_snapshot,
)

from orchestration.ingestion.objects import NETSUITE_OBJECTS
from orchestration.ingestion.snapshots import parse_snapshot_time
from orchestration.posting.sandbox.ledger import header_of

pytestmark = pytest.mark.integration


def _journal(**overrides) -> dict:
    journal = {
        "subsidiary": 1,
        "currency": "USD",
        "exchange_rate": "1",
        "date": "2026-03-31",
        "posting_period": "2026-03",
        "memo": "test journal",
        "lines": [
            {"account": "1200", "debit": "100.00", "credit": "0"},
            {"account": "4000", "debit": "0", "credit": "100.00", "class": "Subscription"},
        ],
    }
    journal.update(overrides)
    return journal


@pytest.fixture(scope="module")
def sandbox(warehouse, tmp_path_factory):
    info = fresh_database(warehouse)
    root = tmp_path_factory.mktemp("sandbox")
    seed = write_netsuite_snapshot(root / "snapshots")
    with running_sandbox(info, seed, root) as running:
        running.info = info
        running.snapshot_root = root / "snapshots"
        yield running
    drop_database(info)


def _post(sandbox, body: dict, key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return httpx.post(f"{sandbox.url}/journals", json=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            _journal(
                lines=[
                    {"account": "1200", "debit": "100", "credit": "0"},
                    {"account": "4000", "debit": "0", "credit": "90"},
                ]
            ),
            "UNBALANCED",
            "debits 100 and credits 90",
        ),
        (
            _journal(posting_period="2026-01", date="2026-01-31"),
            "PERIOD_CLOSED",
            "Jan 2026 is closed",
        ),
        (
            _journal(posting_period="2027-01", date="2027-01-31"),
            "PERIOD_NOT_FOUND",
            "2027-01 not found",
        ),
        (
            _journal(
                lines=[
                    {"account": "1200", "debit": "5", "credit": "0"},
                    {"account": "9999", "debit": "0", "credit": "5"},
                ]
            ),
            "UNKNOWN_ACCOUNT",
            "account 9999 not found",
        ),
        (_journal(subsidiary=42), "UNKNOWN_SUBSIDIARY", "Subsidiary 42 not found"),
        (_journal(currency="XYZ"), "UNKNOWN_CURRENCY", "Currency XYZ not found"),
        (_journal(date="2026-04-02"), "DATE_OUTSIDE_PERIOD", "outside accounting period Mar 2026"),
        (
            _journal(
                lines=[
                    {"account": "1200", "debit": "5", "credit": "5"},
                    {"account": "4000", "debit": "0", "credit": "0"},
                ]
            ),
            "INVALID_LINE",
            "expected one positive amount",
        ),
        (
            _journal(
                lines=[
                    {"account": "1200", "debit": "1.005", "credit": "0"},
                    {"account": "4000", "debit": "0", "credit": "1.005"},
                ]
            ),
            "INVALID_AMOUNT",
            "more than 2 decimals",
        ),
    ],
)
def test_invalid_journal_rejected(sandbox, body, code, message):
    response = _post(sandbox, body, f"key-{code}")

    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code
    assert message in response.json()["detail"]["message"]


def test_missing_idempotency_key_rejected(sandbox):
    response = _post(sandbox, _journal(), None)

    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "MISSING_IDEMPOTENCY_KEY"


def test_repeated_key_returns_same_journal(sandbox):
    first = _post(sandbox, _journal(), "tieout-repeat")
    second = _post(sandbox, _journal(), "tieout-repeat")
    fetched = httpx.get(f"{sandbox.url}/journals/{first.json()['id']}", timeout=10)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert fetched.status_code == 200
    assert fetched.json()["external_id"] == "tieout-repeat"
    assert [line["account"] for line in fetched.json()["lines"]] == ["1200", "4000"]
    assert fetched.json()["posting_period"] == "Mar 2026"


def test_reused_key_with_other_content_conflicts(sandbox):
    assert _post(sandbox, _journal(), "tieout-conflict").status_code == 201

    response = _post(sandbox, _journal(memo="another journal"), "tieout-conflict")

    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_concurrent_requests_create_one_journal(sandbox):
    responses = []

    def send() -> None:
        responses.append(_post(sandbox, _journal(memo="race"), "tieout-race"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(response.status_code for response in responses) == [200] * 7 + [201]
    assert len({response.json()["id"] for response in responses}) == 1


def test_foreign_currency_converts_and_balances(sandbox):
    body = _journal(
        subsidiary=2,
        currency="EUR",
        exchange_rate="0.8533",
        lines=[
            {"account": "1200", "debit": "10.01", "credit": "0"},
            {"account": "4000", "debit": "0", "credit": "3.33"},
            {"account": "4100", "debit": "0", "credit": "3.34"},
            {"account": "4200", "debit": "0", "credit": "3.34"},
        ],
    )

    journal = _post(sandbox, body, "tieout-fx").json()

    debits = sum(float(line["functional_debit"] or 0) for line in journal["lines"])
    credits = sum(float(line["functional_credit"] or 0) for line in journal["lines"])
    assert round(debits, 2) == round(credits, 2)
    assert journal["lines"][0]["functional_debit"] == "8.54"


def test_missing_journal_not_found(sandbox):
    response = httpx.get(f"{sandbox.url}/journals/999999", timeout=10)

    assert response.status_code == 404


def test_export_writes_every_netsuite_file(sandbox):
    assert _post(sandbox, _journal(memo="exported"), "tieout-export").status_code in (200, 201)

    response = httpx.post(
        f"{sandbox.url}/admin/export",
        json={"snapshot_root": str(sandbox.snapshot_root)},
        timeout=30,
    )
    folder = sandbox.snapshot_root / "netsuite" / response.json()["extracted_at"]

    assert response.status_code == 200
    assert parse_snapshot_time(folder.name) > parse_snapshot_time(SNAPSHOT_TIME)
    for spec in NETSUITE_OBJECTS:
        with (folder / spec.file_names[0]).open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == header_of(spec), spec.name
        assert len(rows) > 1, spec.name
    with (folder / "transaction.csv").open(newline="") as handle:
        exported = [row for row in csv.DictReader(handle) if row["externalid"] == "tieout-export"]
    assert len(exported) == 1
    assert exported[0]["type"] == "Journal"
    assert exported[0]["postingperiod"] == "3"

    second = httpx.post(
        f"{sandbox.url}/admin/export",
        json={"snapshot_root": str(sandbox.snapshot_root)},
        timeout=30,
    ).json()
    assert parse_snapshot_time(second["extracted_at"]) > parse_snapshot_time(folder.name)


def test_faults_endpoint_round_trip(sandbox):
    response = httpx.put(
        f"{sandbox.url}/admin/faults", json={"error_rate": 1.0, "seed": 5}, timeout=10
    )
    failed = _post(sandbox, _journal(memo="fault"), "tieout-fault")
    counters = sandbox.faults()["counters"]
    httpx.put(f"{sandbox.url}/admin/faults", json={}, timeout=10)
    retried = _post(sandbox, _journal(memo="fault"), "tieout-fault")

    assert response.json()["config"]["error_rate"] == 1.0
    assert failed.status_code == 500
    assert failed.json()["detail"]["code"] == "INJECTED_ERROR"
    assert counters == {"requests": 1, "errors": 1, "timeouts": 0}
    # Whether the fault hit before or after the commit, the retry ends with one journal.
    assert retried.status_code in (200, 201)
    assert [j["external_id"] for j in sandbox.journals()].count("tieout-fault") == 1

import dagster as dg

from orchestration.reconciliation.metadata import (
    EXCEPTIONS_KEY,
    SUMMARY_KEY,
    exception_metadata,
    mart_metadata,
    match_rate_metadata,
)


def test_exception_metadata_counts_by_reason():
    metadata = exception_metadata([("AMOUNT_MISMATCH", 2), ("INVOICE_NOT_POSTED", 3)])

    assert metadata["exception_count"] == 5
    assert metadata["exceptions_by_reason_code"] == dg.MetadataValue.json(
        {"AMOUNT_MISMATCH": 2, "INVOICE_NOT_POSTED": 3}
    )


def test_exception_metadata_without_exceptions():
    metadata = exception_metadata([])

    assert metadata["exception_count"] == 0


def test_match_rate_metadata_per_pair():
    metadata = match_rate_metadata([("billing_gl", 99, 100), ("payments", 1, 3)])

    assert metadata["match_rate_by_pair"] == dg.MetadataValue.json(
        {"billing_gl": 0.99, "payments": 0.3333}
    )


def test_match_rate_metadata_with_no_items():
    metadata = match_rate_metadata([("usage", 0, 0)])

    assert metadata["match_rate_by_pair"] == dg.MetadataValue.json({"usage": None})


class RecordingConnection:
    """Returns canned rows and records the SQL it was given."""

    def __init__(self, rows):
        self.rows = rows
        self.statements = []

    def execute(self, statement):
        self.statements.append(statement)
        return self

    def fetchall(self):
        return self.rows


def test_mart_metadata_queries_exceptions_mart():
    connection = RecordingConnection([("PAYOUT_MISMATCH", 1)])

    metadata = mart_metadata(connection, EXCEPTIONS_KEY)

    assert metadata["exception_count"] == 1
    assert "finance.reconciliation_exceptions" in connection.statements[0]


def test_mart_metadata_queries_summary_mart():
    connection = RecordingConnection([("payouts", 1, 2)])

    metadata = mart_metadata(connection, SUMMARY_KEY)

    assert metadata["match_rate_by_pair"] == dg.MetadataValue.json({"payouts": 0.5})
    assert "finance.reconciliation_summary" in connection.statements[0]


def test_mart_metadata_is_empty_for_other_assets():
    connection = RecordingConnection([])

    assert mart_metadata(connection, dg.AssetKey(["canonical", "invoices"])) == {}
    assert connection.statements == []

"""Hand-made close report data for two subsidiaries, to preview the page without a warehouse."""

from datetime import UTC, datetime

from orchestration.close.report.data import ReportData, SectionData, Subsidiary

MATCH_COLUMNS = [
    "subsidiary_id",
    "pair",
    "matched_count",
    "unmatched_count",
    "total_count",
    "match_rate",
]
UNMATCHED_COLUMNS = [
    "subsidiary_id",
    "reason_code",
    "age_bucket",
    "exception_count",
    "amount_functional",
]


def sample_report_data() -> ReportData:
    """Return report data for period 2026-11 with every section but posting filled."""
    match_rates = [
        (1, "billing-GL", 180, 20),
        (1, "CRM-billing", 90, 10),
        (1, "payments", 50, 2),
        (2, "billing-GL", 70, 5),
        (2, "CRM-billing", 40, 1),
    ]
    unmatched = [
        (1, "INVOICE_NOT_POSTED", "0-30 days", 5, 1200.0),
        (1, "INVOICE_NOT_POSTED", "31-60 days", 2, 800.0),
        (1, "AMOUNT_MISMATCH", "0-30 days", 3, 45.5),
        (2, "FX_DIFFERENCE", "61-90 days", 1, 12.3),
    ]
    sections = {
        "match_rates": SectionData(
            [
                dict(zip(MATCH_COLUMNS, (sub, pair, ok, ko, ok + ko, ok / (ok + ko)), strict=True))
                for sub, pair, ok, ko in match_rates
            ],
            MATCH_COLUMNS,
        ),
        "unmatched": SectionData(
            [dict(zip(UNMATCHED_COLUMNS, row, strict=True)) for row in unmatched],
            UNMATCHED_COLUMNS,
        ),
        "ar_tieout": SectionData(
            [
                {
                    "subsidiary_id": 1,
                    "period": "2026-11",
                    "currency": "USD",
                    "billing_open_ar": 10000.0,
                    "gl_ar": 9800.0,
                    "difference": -200.0,
                    "explained": -150.0,
                    "unexplained": -50.0,
                }
            ],
            ["subsidiary_id", "period", "currency", "billing_open_ar", "gl_ar", "difference"],
        ),
        "close_readiness": SectionData(
            [
                {"subsidiary_id": 1, "open_high": 3, "amount_at_risk": 2045.5, "ready": False},
                {"subsidiary_id": 2, "open_high": 0, "amount_at_risk": 12.3, "ready": True},
            ],
            ["subsidiary_id", "open_high", "amount_at_risk", "ready"],
        ),
        "posting": SectionData(unavailable="posting.batches does not exist yet."),
        "signoffs": SectionData(
            [
                {
                    "subsidiary_id": None,
                    "signed_off_by": "Ana Ortiz",
                    "signed_off_at": datetime(2026, 12, 2, 9, tzinfo=UTC),
                }
            ],
            ["subsidiary_id", "signed_off_by", "signed_off_at"],
        ),
        "restated": SectionData(
            [{"subsidiary_id": 1, "restated_count": 2}], ["subsidiary_id", "restated_count"]
        ),
    }
    subsidiaries = [Subsidiary(1, "tieout Inc.", "USD"), Subsidiary(2, "tieout Ltd", "GBP")]
    return ReportData("2026-11", datetime(2026, 12, 3, 8, tzinfo=UTC), subsidiaries, sections)

"""The adapters read real vendor files made by others (skipped when the folder is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingestion.adapters import read_rows
from orchestration.ingestion.errors import InvalidValueError, MissingColumnError
from orchestration.ingestion.objects import NETSUITE_OBJECTS, STRIPE_OBJECTS, objects_for

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"

pytestmark = pytest.mark.skipif(
    not REALDATA.is_dir(), reason=f"real vendor files not found at {REALDATA}"
)

STRIPE_DIR = REALDATA / "stripe" / "objects"
NETSUITE_DIR = REALDATA / "netsuite" / "fivetran_connector" / "netsuite2"
SALESFORCE_DIR = REALDATA / "salesforce"

# Stripe's API fixtures fill some fields with placeholders such as "currency": "currency".
# Those objects are rejected with a clear error; the others must parse.
STRIPE_PLACEHOLDER_CURRENCY = {"invoice_payment"}

# Fivetran's transactionline table has no `account`: NetSuite2 keeps accounts in
# transactionaccountingline, so the file lacks a required column of our spec.
NETSUITE_MISSING_REQUIRED = {"transaction_line": "account"}

SOBJECT_TREE_FILES = [
    ("lwc-recipes/Accounts.json", "account", 10),
    ("lwc-recipes/Opportunities.json", "opportunity", 20),
    ("replicated-fulfillment/Account.json", "account", 20),
    ("replicated-fulfillment/Opportunity.json", "opportunity", 4),
    ("replicated-fulfillment/OpportunityLineItem.json", "opportunity_line_item", 7),
    ("replicated-fulfillment/Product2.json", "product2", 10),
]


def stripe_specs():
    return [spec for spec in STRIPE_OBJECTS if (STRIPE_DIR / f"{spec.name}.jsonl").exists()]


@pytest.mark.parametrize("spec", stripe_specs(), ids=lambda spec: spec.name)
def test_stripe_fixture_parses(spec):
    path = STRIPE_DIR / f"{spec.name}.jsonl"
    if spec.name in STRIPE_PLACEHOLDER_CURRENCY:
        with pytest.raises(InvalidValueError) as raised:
            read_rows(path, spec)
        assert raised.value.column == "currency"
        assert raised.value.line == 1
        assert "unknown currency code 'currency'" in raised.value.message
        return

    rows, report = read_rows(path, spec)

    expected = sum(1 for line in path.read_text().splitlines() if line.strip())
    assert report.row_counts[spec.table] == expected
    assert all(
        len(values) == len(spec.columns) + 1 for table, _, values in rows if table == spec.table
    )


def test_stripe_covers_most_kinds():
    assert len(stripe_specs()) >= 10


def test_stripe_invoice_lines_become_child_rows():
    spec = next(spec for spec in STRIPE_OBJECTS if spec.name == "invoice")

    rows, report = read_rows(STRIPE_DIR / "invoice.jsonl", spec)

    assert report.row_counts["stripe__invoice_line"] >= 1
    line_rows = [values for table, _, values in rows if table == "stripe__invoice_line"]
    assert line_rows[0][0] == "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
    assert line_rows[0][3] == "10.00"


def test_stripe_credit_note_lines_take_parent_currency():
    spec = next(spec for spec in STRIPE_OBJECTS if spec.name == "credit_note")

    rows, _ = read_rows(STRIPE_DIR / "credit_note.jsonl", spec)

    lines = [values for table, _, values in rows if table == "stripe__credit_note_line"]
    assert [values[5] for values in lines] == ["usd", "usd"]
    assert [values[6] for values in lines] == ["11.90", "5.00"]


@pytest.mark.parametrize("spec", NETSUITE_OBJECTS, ids=lambda spec: spec.name)
def test_netsuite_fivetran_table_parses(spec):
    path = NETSUITE_DIR / f"netsuite2_{spec.name}_data.csv"
    if spec.name in NETSUITE_MISSING_REQUIRED:
        with pytest.raises(MissingColumnError) as raised:
            read_rows(path, spec)
        assert raised.value.column == NETSUITE_MISSING_REQUIRED[spec.name]
        assert raised.value.line == 1
        return

    rows, report = read_rows(path, spec)

    assert len(rows) >= 1
    assert "_fivetran_synced" in report.unknown_columns
    assert all(len(values) == len(spec.columns) for _, _, values in rows)


@pytest.mark.parametrize(("file", "object_name", "count"), SOBJECT_TREE_FILES)
def test_sobject_tree_parses(file, object_name, count):
    spec = next(spec for spec in objects_for("salesforce") if spec.name == object_name)

    rows, report = read_rows(SALESFORCE_DIR / file, spec, file_format="sobject_tree")

    assert report.row_counts[spec.table] == count
    ids = [values[0] for _, _, values in rows]
    assert all(len(record_id) == 18 for record_id in ids)
    assert len(set(ids)) == count


def test_sobject_tree_references_resolve():
    accounts, _ = read_rows(
        SALESFORCE_DIR / "lwc-recipes/Accounts.json",
        next(spec for spec in objects_for("salesforce") if spec.name == "account"),
        file_format="sobject_tree",
    )
    opportunities, _ = read_rows(
        SALESFORCE_DIR / "lwc-recipes/Opportunities.json",
        next(spec for spec in objects_for("salesforce") if spec.name == "opportunity"),
        file_format="sobject_tree",
    )

    account_ids = {values[0] for _, _, values in accounts}
    assert {values[1] for _, _, values in opportunities} <= account_ids

"""Suite building, thresholds and gate layout, without a database."""

from __future__ import annotations

import datetime as dt
import re

import dagster as dg
import pytest

from orchestration.ingestion.objects import OBJECTS
from orchestration.quality.checks import build_gate_checks
from orchestration.quality.gates import ALL_GATES, LOAD_VOLUME_CHECK, RAW_GATES, gate_for
from orchestration.quality.marts import REASON_CODES, build_gl_lines_suite
from orchestration.quality.suites import (
    SNAPSHOT_AT,
    build_all_suites,
    build_raw_suite,
    load_suite,
    raw_table_specs,
    suite_path,
    suite_to_json,
)
from orchestration.quality.thresholds import Thresholds, load_thresholds, raw_parameters
from orchestration.settings import load_settings

EXPECTATIONS_DIR = load_settings().expectations_dir


def expectations_of(table: str) -> list[tuple[str, dict]]:
    for spec, name, primary_key, columns in raw_table_specs():
        if name == table:
            suite = build_raw_suite(name, spec.source, primary_key, columns)
            return [(e.expectation_type, e.configuration.kwargs) for e in suite.expectations]
    raise KeyError(table)


def kwargs_of(table: str, expectation_type: str) -> list[dict]:
    return [kwargs for kind, kwargs in expectations_of(table) if kind == expectation_type]


def test_suite_files_match_builder():
    for suite in build_all_suites():
        path = suite_path(EXPECTATIONS_DIR, suite.name)
        assert path.exists(), f"{path} missing: run `tieout quality suites`"
        assert path.read_text() == suite_to_json(suite), f"{path} is out of date"


def test_suite_files_load_as_gx_suites():
    suite = load_suite(EXPECTATIONS_DIR, "raw.stripe__invoice")

    assert suite.name == "raw.stripe__invoice"
    assert len(suite.expectations) > 10


def test_every_raw_table_has_a_suite():
    tables = {table for spec in OBJECTS for table in spec.tables}
    names = {suite.name for suite in build_all_suites()}

    assert {f"raw.{table}" for table in tables} <= names
    assert "raw.stripe__invoice_line" in names


def test_primary_key_unique_and_not_null():
    assert {"column": "id"} in kwargs_of("stripe__invoice", "expect_column_values_to_be_unique")
    assert {"column": "id"} in kwargs_of("stripe__invoice", "expect_column_values_to_not_be_null")


def test_compound_key_uses_compound_uniqueness():
    compound = kwargs_of("netsuite__transaction_line", "expect_compound_columns_to_be_unique")

    assert compound == [{"column_list": ["transaction", "id"]}]


def test_child_table_requires_parent_id():
    not_null = kwargs_of("stripe__invoice_line", "expect_column_values_to_not_be_null")

    assert {"column": "invoice"} in not_null


def test_column_types_follow_spec():
    types = {
        kwargs["column"]: kwargs["type_"]
        for kwargs in kwargs_of("stripe__invoice", "expect_column_values_to_be_of_type")
    }

    assert types["id"] == "TEXT"
    assert types["total"] == "NUMERIC"
    assert types["created"] == "TIMESTAMP WITH TIME ZONE"
    assert types["_load_id"] == "BIGINT"


def test_stripe_currency_is_lowercase_iso():
    (kwargs,) = kwargs_of("stripe__invoice", "expect_column_values_to_be_in_set")

    assert kwargs["column"] == "currency"
    assert "usd" in kwargs["value_set"]
    assert "USD" not in kwargs["value_set"]
    assert "xyz" not in kwargs["value_set"]


def test_salesforce_currency_is_uppercase_iso():
    (kwargs,) = kwargs_of("salesforce__contract", "expect_column_values_to_be_in_set")

    assert kwargs["column"] == "currency_iso_code"
    assert "EUR" in kwargs["value_set"]
    assert "eur" not in kwargs["value_set"]


def test_netsuite_currency_symbol_is_iso():
    (kwargs,) = kwargs_of("netsuite__currency", "expect_column_values_to_be_in_set")

    assert kwargs["column"] == "symbol"
    assert "JPY" in kwargs["value_set"]


def test_event_times_end_at_snapshot():
    bounds = {
        kwargs["column"]: kwargs
        for kwargs in kwargs_of("stripe__invoice", "expect_column_values_to_be_between")
    }

    assert bounds["created"]["max_value"] == {"$PARAMETER": SNAPSHOT_AT}
    assert bounds["due_date"]["max_value"] != {"$PARAMETER": SNAPSHOT_AT}
    assert bounds["amount_paid"]["min_value"] == 0
    assert bounds["total"]["min_value"] < 0


def test_reason_codes_match_catalogue(repo_root):
    catalogue = (repo_root / "docs" / "reconciliation_rules.md").read_text()
    section = catalogue.split("## Exception catalogue", 1)[1]
    documented = re.findall(r"^\| ([A-Z_]+) \|", section, flags=re.MULTILINE)

    assert tuple(documented) == REASON_CODES


def test_gl_suite_balances_both_currencies():
    query = build_gl_lines_suite().expectations[-1].unexpected_rows_query

    assert "{batch}" in query
    assert "group by transaction_id" in query
    assert (
        "sum(coalesce(debit_foreign_amount, 0)) <> sum(coalesce(credit_foreign_amount, 0))" in query
    )
    assert "sum(coalesce(debit_amount, 0)) <> sum(coalesce(credit_amount, 0))" in query


def test_thresholds_file_loads():
    thresholds = load_thresholds(EXPECTATIONS_DIR)

    assert thresholds.max_row_count_drop == 0.5


def test_thresholds_reject_invalid_share(tmp_path):
    (tmp_path / "thresholds.yml").write_text("max_row_count_drop: 1.5\n")

    with pytest.raises(ValueError, match=r"max_row_count_drop=1\.5"):
        load_thresholds(tmp_path)


def test_thresholds_reject_unknown_key(tmp_path):
    (tmp_path / "thresholds.yml").write_text("max_row_drop: 0.5\n")

    with pytest.raises(ValueError, match="max_row_drop"):
        load_thresholds(tmp_path)


def test_raw_parameters_window():
    snapshot = dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC)
    thresholds = Thresholds(row_count_drop_overrides={"stripe__payout": 0.9})

    parameters = raw_parameters(thresholds, "stripe__payout", snapshot)

    assert parameters["snapshot_at"] == "2024-02-29T12:00:00+00:00"
    assert parameters["earliest_timestamp"] == "2004-02-29T12:00:00+00:00"
    assert parameters["latest_date"] == "2034-02-28"
    assert parameters["min_row_count_ratio"] == 0.1


def test_every_raw_object_has_a_gate():
    keys = {gate.asset_key for gate in RAW_GATES}

    assert keys == {dg.AssetKey(["raw", spec.table]) for spec in OBJECTS}


def test_raw_gate_covers_children_and_volume():
    gate = gate_for(dg.AssetKey(["raw", "stripe__invoice"]))

    names = [validation.check_name for validation in gate.validations]
    assert names == ["gx_stripe__invoice", "gx_stripe__invoice_line", LOAD_VOLUME_CHECK]


def test_mart_gates_on_agreed_keys():
    keys = {gate.asset_key.to_user_string() for gate in ALL_GATES if not gate.is_raw}

    assert keys == {
        "canonical/gl_lines",
        "finance/reconciliation_exceptions",
        "finance/reconciliation_summary",
    }


def test_every_check_is_blocking():
    specs = [spec for checks in build_gate_checks() for spec in checks.check_specs]

    assert len(specs) == sum(len(gate.validations) for gate in ALL_GATES)
    assert all(spec.blocking for spec in specs)

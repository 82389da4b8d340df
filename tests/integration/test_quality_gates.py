"""The GX gates against a real PostgreSQL: raw tables, the load manifest, marts and Dagster.

Each test runs in its own database on the session's server, with the load manifest that
ingestion creates and hand-made raw tables that have no primary key, so a test can store
rows the loader would reject (a null id).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
import psycopg
import pytest
from psycopg import sql

from orchestration.database import ConnectionInfo
from orchestration.ingestion.objects import OBJECTS, ObjectSpec
from orchestration.ingestion.schema import ensure_raw_schema
from orchestration.quality import latest_gate_status
from orchestration.quality.checks import build_gate_check
from orchestration.quality.gates import LOAD_VOLUME_CHECK, gate_for
from orchestration.quality.results import store_outcomes
from orchestration.quality.runner import QualityPaths, ValidationOutcome, run_gate
from orchestration.resources import WarehouseResource
from orchestration.settings import load_settings

pytestmark = pytest.mark.integration

SNAPSHOT_AT = dt.datetime(2025, 3, 31, 23, 0, tzinfo=dt.UTC)
INVOICE_KEY = dg.AssetKey(["raw", "stripe__invoice"])
GL_LINES_KEY = dg.AssetKey(["canonical", "gl_lines"])


# --- database and rows --------------------------------------------------------


@pytest.fixture
def database(warehouse: ConnectionInfo) -> Iterator[ConnectionInfo]:
    """A fresh database with the raw, quality, canonical and finance schemas."""
    name = f"tieout_quality_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(warehouse.libpq_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))

    info = dataclasses.replace(warehouse, database=name)
    with psycopg.connect(info.libpq_url()) as connection:
        for schema in ("raw", "quality", "canonical", "finance"):
            connection.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
        connection.commit()
        ensure_raw_schema(connection, specs=())
    try:
        yield info
    finally:
        with psycopg.connect(warehouse.libpq_url(), autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database {} with (force)").format(sql.Identifier(name))
            )


@pytest.fixture
def paths(tmp_path) -> QualityPaths:
    return QualityPaths(load_settings().expectations_dir, tmp_path / "quality")


def spec_named(table: str) -> ObjectSpec:
    return next(spec for spec in OBJECTS if spec.table == table)


def create_raw_tables(connection: psycopg.Connection, spec: ObjectSpec) -> None:
    """Create the raw tables of `spec` and its children, typed as ingestion types them."""
    tables = [(spec.table, [(c.name, c.postgres_type) for c in spec.columns])]
    for child in spec.children:
        columns = [(child.parent_column, "text")]
        columns += [(c.name, c.postgres_type) for c in child.columns]
        tables.append((child.table, columns))

    for table, columns in tables:
        definitions = [sql.SQL("_load_id bigint not null"), sql.SQL("_line_number bigint")]
        definitions += [
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_name))
            for name, type_name in columns
        ]
        connection.execute(
            sql.SQL("create table {} ({})").format(
                sql.Identifier("raw", table), sql.SQL(", ").join(definitions)
            )
        )


def add_load(
    connection: psycopg.Connection,
    spec: ObjectSpec,
    load_id: int,
    rows: Sequence[Mapping[str, Any]],
    *,
    snapshot_at: dt.datetime = SNAPSHOT_AT,
    child_rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> None:
    """Record a loaded file in `raw._loads` and insert its rows."""
    connection.execute(
        "insert into raw._loads (load_id, source, object, file_path, sha256, byte_size,"
        " row_count, snapshot_at, status) values (%s, %s, %s, %s, %s, 0, %s, %s, 'loaded')",
        (
            load_id,
            spec.source,
            spec.name,
            f"{spec.source}/{load_id}/{spec.file_names[0]}",
            f"sha-{load_id}",
            len(rows),
            snapshot_at,
        ),
    )
    insert_rows(connection, spec.table, load_id, rows)
    for table, table_rows in (child_rows or {}).items():
        insert_rows(connection, table, load_id, table_rows)


def insert_rows(
    connection: psycopg.Connection, table: str, load_id: int, rows: Sequence[Mapping[str, Any]]
) -> None:
    for line_number, row in enumerate(rows, start=1):
        values = {"_load_id": load_id, "_line_number": line_number, **row}
        connection.execute(
            sql.SQL("insert into {} ({}) values ({})").format(
                sql.Identifier("raw", table),
                sql.SQL(", ").join(sql.Identifier(name) for name in values),
                sql.SQL(", ").join(sql.Placeholder() for _ in values),
            ),
            list(values.values()),
        )


def invoice(invoice_id: str | None, **overrides: Any) -> dict[str, Any]:
    """Return a valid Stripe invoice row, with `overrides` replacing columns."""
    row = {
        "id": invoice_id,
        "number": "INV-0001",
        "customer": "cus_1",
        "status": "paid",
        "currency": "usd",
        "subtotal": 100,
        "tax": 0,
        "total": 100,
        "amount_due": 100,
        "amount_paid": 100,
        "amount_remaining": 0,
        "created": dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        "finalized_at": dt.datetime(2025, 3, 1, 1, tzinfo=dt.UTC),
        "paid_at": dt.datetime(2025, 3, 2, tzinfo=dt.UTC),
        "due_date": dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        "period_start": dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        "period_end": dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
    }
    row.update(overrides)
    return row


def invoice_line(line_id: str, invoice_id: str) -> dict[str, Any]:
    return {
        "id": line_id,
        "invoice": invoice_id,
        "currency": "usd",
        "amount": 100,
        "quantity": 1,
        "period_start": dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        "period_end": dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
    }


def invoices(count: int, prefix: str = "in_") -> list[dict[str, Any]]:
    return [invoice(f"{prefix}{number}") for number in range(count)]


def load_invoices(
    info: ConnectionInfo,
    *loads: list[dict[str, Any]],
) -> None:
    """Create the invoice tables and store each list of rows as one load, oldest first."""
    spec = spec_named("stripe__invoice")
    with psycopg.connect(info.libpq_url()) as connection:
        create_raw_tables(connection, spec)
        for number, rows in enumerate(loads, start=1):
            snapshot_at = SNAPSHOT_AT - dt.timedelta(days=len(loads) - number)
            lines = [invoice_line(f"il_{row['id']}", row["id"]) for row in rows if row["id"]]
            add_load(
                connection,
                spec,
                number,
                rows,
                snapshot_at=snapshot_at,
                child_rows={"stripe__invoice_line": lines},
            )


def validate(info: ConnectionInfo, paths: QualityPaths, key: dg.AssetKey) -> dict[str, Any]:
    outcomes = run_gate(gate_for(key), info.sqlalchemy_url("psycopg2"), paths, "test-run")
    return {outcome.check_name: outcome for outcome in outcomes}


# --- raw gates ----------------------------------------------------------------


def test_clean_invoices_pass(database, paths):
    load_invoices(database, invoices(10), invoices(9))

    outcomes = validate(database, paths, INVOICE_KEY)

    assert set(outcomes) == {"gx_stripe__invoice", "gx_stripe__invoice_line", LOAD_VOLUME_CHECK}
    for outcome in outcomes.values():
        assert outcome.success, outcome.message()
        assert outcome.evaluated > 0
    assert paths.data_docs_index.exists()


def test_only_latest_load_is_validated(database, paths):
    # The older load has a null id; the latest one is clean.
    load_invoices(database, [*invoices(3), invoice(None)], invoices(4))

    outcomes = validate(database, paths, INVOICE_KEY)

    assert outcomes["gx_stripe__invoice"].success, outcomes["gx_stripe__invoice"].message()


def test_null_invoice_id_fails(database, paths):
    load_invoices(database, [*invoices(3), invoice(None)])

    outcome = validate(database, paths, INVOICE_KEY)["gx_stripe__invoice"]

    assert not outcome.success
    assert outcome.failed_types == ["expect_column_values_to_not_be_null"]
    message = outcome.message()
    assert "raw.stripe__invoice" in message
    assert "expect_column_values_to_not_be_null(id)" in message
    assert "[None]" in message


def test_unknown_currency_fails(database, paths):
    load_invoices(
        database,
        [*invoices(3), invoice("in_bad", currency="xyz"), invoice("in_up", currency="USD")],
    )

    outcome = validate(database, paths, INVOICE_KEY)["gx_stripe__invoice"]

    assert not outcome.success
    assert outcome.failed_types == ["expect_column_values_to_be_in_set"]
    failure = outcome.failures[0]
    assert failure.column == "currency"
    assert sorted(failure.sample) == ["USD", "xyz"]
    assert "expect_column_values_to_be_in_set(currency)" in outcome.message()


def test_duplicate_id_and_future_event_fail(database, paths):
    late = invoice("in_1", created=SNAPSHOT_AT + dt.timedelta(days=1))
    load_invoices(database, [invoice("in_1"), late])

    outcome = validate(database, paths, INVOICE_KEY)["gx_stripe__invoice"]

    assert "expect_column_values_to_be_unique" in outcome.failed_types
    failed_columns = {
        failure.column
        for failure in outcome.failures
        if failure.expectation_type == "expect_column_values_to_be_between"
    }
    assert failed_columns == {"created"}


def test_amount_beyond_bounds_fails(database, paths):
    load_invoices(database, [invoice("in_1", total=10**11), invoice("in_2", amount_paid=-5)])

    outcome = validate(database, paths, INVOICE_KEY)["gx_stripe__invoice"]

    columns = {failure.column for failure in outcome.failures}
    assert columns == {"total", "amount_paid"}


def test_row_count_collapse_fails(database, paths):
    load_invoices(database, invoices(10), invoices(4))

    outcomes = validate(database, paths, INVOICE_KEY)

    volume = outcomes[LOAD_VOLUME_CHECK]
    assert not volume.success
    assert volume.failures[0].column == "row_count_ratio"
    assert volume.failures[0].sample == ["0.4000"]
    assert "raw._loads" in volume.message()
    assert outcomes["gx_stripe__invoice"].success


def test_row_count_drop_within_limit_passes(database, paths):
    load_invoices(database, invoices(10), invoices(5))

    assert validate(database, paths, INVOICE_KEY)[LOAD_VOLUME_CHECK].success


def test_missing_load_fails_every_suite(database, paths):
    with psycopg.connect(database.libpq_url()) as connection:
        create_raw_tables(connection, spec_named("stripe__invoice"))

    outcomes = validate(database, paths, INVOICE_KEY)

    for outcome in outcomes.values():
        assert not outcome.success
        assert "no loaded load of stripe/invoice" in outcome.error


def test_wrong_column_type_fails(database, paths):
    load_invoices(database, invoices(2))
    with psycopg.connect(database.libpq_url()) as connection:
        connection.execute("alter table raw.stripe__invoice alter column total type text")

    outcome = validate(database, paths, INVOICE_KEY)["gx_stripe__invoice"]

    type_failures = [
        failure
        for failure in outcome.failures
        if failure.expectation_type == "expect_column_values_to_be_of_type"
    ]
    assert len(type_failures) == 1
    assert type_failures[0].column == "total"
    assert type_failures[0].sample == ["TEXT"]


# --- mart gates ---------------------------------------------------------------


def create_gl_lines(info: ConnectionInfo, lines: list[tuple[str, int, int, int, int]]) -> None:
    """Create `canonical.gl_lines` with (transaction, foreign debit and credit, debit, credit)."""
    with psycopg.connect(info.libpq_url()) as connection:
        connection.execute(
            "create table canonical.gl_lines (transaction_id text,"
            " debit_foreign_amount numeric, credit_foreign_amount numeric,"
            " debit_amount numeric, credit_amount numeric)"
        )
        with connection.cursor() as cursor:
            cursor.executemany("insert into canonical.gl_lines values (%s, %s, %s, %s, %s)", lines)


def test_balanced_gl_passes(database, paths):
    create_gl_lines(database, [("1", 100, 0, 100, 0), ("1", 0, 100, 0, 100), ("2", 5, 5, 7, 7)])

    outcome = validate(database, paths, GL_LINES_KEY)["gx_gl_lines"]

    assert outcome.success, outcome.message()


def test_unbalanced_gl_transaction_fails(database, paths):
    create_gl_lines(
        database,
        [
            ("1", 100, 0, 100, 0),
            ("1", 0, 100, 0, 100),
            ("2", 100, 0, 110, 0),
            ("2", 0, 90, 0, 99),
            ("3", 50, 0, 60, 0),
            ("3", 0, 50, 0, 59),
        ],
    )

    outcome = validate(database, paths, GL_LINES_KEY)["gx_gl_lines"]

    assert not outcome.success
    assert outcome.failed_types == ["unexpected_rows_expectation"]
    failure = outcome.failures[0]
    assert failure.unexpected_count == 2
    by_transaction = {row["transaction_id"]: row for row in failure.sample}
    assert set(by_transaction) == {"2", "3"}
    assert by_transaction["2"]["credit_foreign_total"] == "90"
    assert by_transaction["3"]["debit_total"] == "60"
    assert "canonical.gl_lines" in outcome.message()


def test_exception_reason_outside_catalogue_fails(database, paths):
    with psycopg.connect(database.libpq_url()) as connection:
        connection.execute(
            "create table finance.reconciliation_exceptions "
            "(reason_code text, subsidiary_id text, period text)"
        )
        connection.execute(
            "insert into finance.reconciliation_exceptions values "
            "('INVOICE_NOT_POSTED', '1', '2025-03'), ('MADE_UP', '1', '2025-03'), "
            "('AMOUNT_MISMATCH', null, '2025-03')"
        )

    key = dg.AssetKey(["finance", "reconciliation_exceptions"])
    outcome = validate(database, paths, key)["gx_reconciliation_exceptions"]

    samples = {failure.column: failure.sample for failure in outcome.failures}
    assert samples == {"reason_code": ["MADE_UP"], "subsidiary_id": [None]}


def test_summary_counts_that_do_not_add_up_fail(database, paths):
    with psycopg.connect(database.libpq_url()) as connection:
        connection.execute(
            "create table finance.reconciliation_summary (subsidiary_id text, period text,"
            " matched_count bigint, unmatched_count bigint, total_count bigint)"
        )
        connection.execute(
            "insert into finance.reconciliation_summary values "
            "('1', '2025-03', 8, 2, 10), ('2', '2025-03', 8, 1, 10)"
        )

    key = dg.AssetKey(["finance", "reconciliation_summary"])
    outcome = validate(database, paths, key)["gx_reconciliation_summary"]

    assert outcome.failed_types == ["unexpected_rows_expectation"]
    assert outcome.failures[0].sample[0]["subsidiary_id"] == "2"


# --- stored results -----------------------------------------------------------


def test_latest_gate_status_follows_newest_run(database):
    def outcome(success: bool) -> ValidationOutcome:
        return ValidationOutcome("canonical/gl_lines", "gx_gl_lines", "canonical.gl_lines", success)

    with psycopg.connect(database.libpq_url()) as connection:
        assert latest_gate_status(connection, GL_LINES_KEY) is False

        store_outcomes(connection, "run-1", [outcome(True)])
        assert latest_gate_status(connection, GL_LINES_KEY) is True

        store_outcomes(connection, "run-2", [outcome(False)])
        assert latest_gate_status(connection, "canonical/gl_lines") is False
        assert latest_gate_status(connection, INVOICE_KEY) is False


# --- Dagster: a failing blocking check stops its downstream assets ------------


def gated_run(database: ConnectionInfo, rows: list[dict[str, Any]]) -> dg.ExecuteInJobResult:
    """Materialize a stand-in invoice asset, its gate and an asset downstream of it."""
    spec = spec_named("stripe__invoice")

    @dg.asset(key=INVOICE_KEY)
    def stripe_invoice(warehouse: WarehouseResource) -> None:
        with warehouse.connect() as connection:
            create_raw_tables(connection, spec)
            add_load(connection, spec, 1, rows)
            connection.commit()

    @dg.asset(key=["staging", "stg_stripe__invoices"], deps=[INVOICE_KEY])
    def staged_invoices() -> None:
        """Stand-in for the dbt models that read the raw table."""

    return dg.materialize(
        [stripe_invoice, staged_invoices, build_gate_check(gate_for(INVOICE_KEY))],
        resources={"warehouse": WarehouseResource(url=database.sqlalchemy_url("psycopg"))},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def check_results(result: dg.ExecuteInJobResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()
    }


def materialized_keys(result: dg.ExecuteInJobResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def test_failed_gate_blocks_downstream_asset(database):
    result = gated_run(database, [*invoices(3), invoice(None)])

    evaluations = check_results(result)
    gate = evaluations["gx_stripe__invoice"]
    assert gate.passed is False
    assert gate.metadata["suite"].value == "raw.stripe__invoice"
    assert gate.metadata["failed_expectation_types"].value == [
        "expect_column_values_to_not_be_null"
    ]
    assert gate.metadata["expectations_failed"].value == 1
    assert materialized_keys(result) == {"raw/stripe__invoice"}

    with psycopg.connect(database.libpq_url()) as connection:
        assert latest_gate_status(connection, INVOICE_KEY) is False
        stored = connection.execute(
            "select count(*), bool_or(success) from quality.validation_results where run_id = %s",
            (result.run_id,),
        ).fetchone()
    assert stored == (3, True)


def test_passed_gate_lets_downstream_asset_run(database):
    result = gated_run(database, invoices(3))

    assert all(evaluation.passed for evaluation in check_results(result).values())
    assert materialized_keys(result) == {"raw/stripe__invoice", "staging/stg_stripe__invoices"}
    with psycopg.connect(database.libpq_url()) as connection:
        assert latest_gate_status(connection, INVOICE_KEY) is True

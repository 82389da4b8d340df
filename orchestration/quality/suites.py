"""Build the GX expectation suites of the raw tables and the finance marts.

The suites are derived from the raw object specs (`orchestration.ingestion.objects`) and from
the columns the marts agree on, then written as JSON under `expectations/` so that a change to
a gate is reviewed as a diff. `tieout quality suites` rewrites the files, and a unit test fails
when they differ from what this module builds.

Values that change from one validation to the next, such as the snapshot time of the load
under test, are suite parameters (`{"$PARAMETER": name}`) that the runner supplies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe

from orchestration.ingestion.currencies import CURRENCY_EXPONENTS
from orchestration.ingestion.objects import OBJECTS, ChildSpec, Column, ObjectSpec
from orchestration.quality.marts import MART_SUITE_BUILDERS

# GX's name for each PostgreSQL type of `orchestration.ingestion.objects.POSTGRES_TYPES`, as the
# SQLAlchemy inspector reports it for a column.
GX_COLUMN_TYPES = {
    "text": "TEXT",
    "integer": "BIGINT",
    "decimal": "NUMERIC",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "unix_timestamp": "TIMESTAMP WITH TIME ZONE",
    "json": "JSONB",
    "money": "NUMERIC",
    "minor_money": "NUMERIC",
}
LOAD_ID_COLUMN = "_load_id"
LOAD_ID_TYPE = "BIGINT"

# Amounts are in major units. A value beyond ten billion in any currency is a parsing or unit
# error (minor units read as major, an overflowed export), not a real document.
MAX_ABS_AMOUNT = 10_000_000_000
# Amount columns that are never negative in the vendor's own data model.
NON_NEGATIVE_AMOUNTS = {
    "stripe__charge": ("amount", "amount_captured", "amount_refunded"),
    "stripe__refund": ("amount",),
    "stripe__price": ("unit_amount",),
    "stripe__invoice": ("amount_paid",),
    "stripe__invoice_payment": ("amount_paid", "amount_requested"),
    "stripe__balance_transaction": ("fee",),
    "netsuite__transaction_line": (
        "debit",
        "credit",
        "debitforeignamount",
        "creditforeignamount",
    ),
}

# Columns that record when something already happened, so they cannot be later than the
# snapshot that exported them. Other timestamps (due dates, period ends, scheduled
# cancellations, payout arrival) may lie in the future.
EVENT_TIME_COLUMNS = frozenset(
    {
        "created",
        "created_date",
        "createddate",
        "last_modified_date",
        "lastmodifieddate",
        "activated_date",
        "finalized_at",
        "paid_at",
        "voided_at",
        "canceled_at",
        "ended_at",
    }
)

# Suite parameters that the runner computes for each validation of a raw table.
SNAPSHOT_AT = "snapshot_at"
EARLIEST_TIMESTAMP = "earliest_timestamp"
LATEST_TIMESTAMP = "latest_timestamp"
EARLIEST_DATE = "earliest_date"
LATEST_DATE = "latest_date"
MIN_ROW_COUNT_RATIO = "min_row_count_ratio"

# Columns holding an ISO 4217 code. Stripe writes them in lowercase, Salesforce in uppercase.
# NetSuite stores a currency's internal id on transactions and its code as `symbol`.
CURRENCY_CODE_COLUMNS = {
    "salesforce": ("currency_iso_code",),
    "stripe": ("currency",),
    "netsuite": (),
}
NETSUITE_CURRENCY_TABLE = "netsuite__currency"
NETSUITE_CURRENCY_SYMBOL = "symbol"

LOAD_VOLUME_SUITE = "raw._loads"


def parameter(name: str) -> dict[str, str]:
    """Return a reference to the suite parameter `name`."""
    return {"$PARAMETER": name}


def raw_suite_name(table: str) -> str:
    """Return the suite name of the raw table `table` (`source__object`)."""
    return f"raw.{table}"


def iso_currency_codes(case: str) -> list[str]:
    """Return the ISO 4217 codes with minor units, sorted, in `case` ("upper" or "lower")."""
    codes = sorted(CURRENCY_EXPONENTS)
    if case == "lower":
        return [code.lower() for code in codes]
    if case == "upper":
        return codes
    raise ValueError(f"Invalid letter case {case!r}: expected 'upper' or 'lower'.")


def build_raw_suite(
    table: str,
    source: str,
    primary_key: tuple[str, ...],
    columns: tuple[Column, ...],
) -> gx.ExpectationSuite:
    """Build the suite of one raw table, validated on the rows of its latest load."""
    expectations: list[gxe.Expectation] = []

    for column in columns:
        expectations.append(gxe.ExpectColumnToExist(column=column.name))
        expectations.append(
            gxe.ExpectColumnValuesToBeOfType(column=column.name, type_=GX_COLUMN_TYPES[column.kind])
        )
    expectations.append(gxe.ExpectColumnToExist(column=LOAD_ID_COLUMN))
    expectations.append(gxe.ExpectColumnValuesToBeOfType(column=LOAD_ID_COLUMN, type_=LOAD_ID_TYPE))

    expectations.extend(_key_expectations(primary_key, columns))
    expectations.extend(_currency_expectations(table, source, columns))
    expectations.extend(_amount_expectations(table, columns))
    expectations.extend(_time_expectations(columns))

    return gx.ExpectationSuite(name=raw_suite_name(table), expectations=expectations)


def _key_expectations(
    primary_key: tuple[str, ...], columns: tuple[Column, ...]
) -> Iterable[gxe.Expectation]:
    key_columns = set(primary_key)
    for column in columns:
        if column.required or column.name in key_columns:
            yield gxe.ExpectColumnValuesToNotBeNull(column=column.name)

    if len(primary_key) == 1:
        yield gxe.ExpectColumnValuesToBeUnique(column=primary_key[0])
    else:
        yield gxe.ExpectCompoundColumnsToBeUnique(column_list=list(primary_key))


def _currency_expectations(
    table: str, source: str, columns: tuple[Column, ...]
) -> Iterable[gxe.Expectation]:
    names = {column.name for column in columns}
    case = "lower" if source == "stripe" else "upper"

    code_columns = [name for name in CURRENCY_CODE_COLUMNS.get(source, ()) if name in names]
    if table == NETSUITE_CURRENCY_TABLE:
        code_columns.append(NETSUITE_CURRENCY_SYMBOL)

    for name in code_columns:
        yield gxe.ExpectColumnValuesToBeInSet(
            column=name,
            value_set=iso_currency_codes(case),
            description=f"`{name}` is an ISO 4217 code in {case}case.",
        )


def _amount_expectations(table: str, columns: tuple[Column, ...]) -> Iterable[gxe.Expectation]:
    non_negative = set(NON_NEGATIVE_AMOUNTS.get(table, ()))
    for column in columns:
        if column.kind not in ("money", "minor_money"):
            continue
        minimum = 0 if column.name in non_negative else -MAX_ABS_AMOUNT
        yield gxe.ExpectColumnValuesToBeBetween(
            column=column.name, min_value=minimum, max_value=MAX_ABS_AMOUNT
        )


def _time_expectations(columns: tuple[Column, ...]) -> Iterable[gxe.Expectation]:
    for column in columns:
        if column.kind in ("timestamp", "unix_timestamp"):
            latest = SNAPSHOT_AT if column.name in EVENT_TIME_COLUMNS else LATEST_TIMESTAMP
            yield gxe.ExpectColumnValuesToBeBetween(
                column=column.name,
                min_value=parameter(EARLIEST_TIMESTAMP),
                max_value=parameter(latest),
            )
        elif column.kind == "date":
            yield gxe.ExpectColumnValuesToBeBetween(
                column=column.name,
                min_value=parameter(EARLIEST_DATE),
                max_value=parameter(LATEST_DATE),
            )


def build_load_volume_suite() -> gx.ExpectationSuite:
    """Build the suite run on one object's row of the `quality.load_volume` view.

    The row compares the latest load of the object with the load before it. The minimum
    ratio of their row counts is a suite parameter, so each object may have its own limit.
    """
    return gx.ExpectationSuite(
        name=LOAD_VOLUME_SUITE,
        expectations=[
            gxe.ExpectTableRowCountToEqual(
                value=1,
                description="The object has a loaded load in `raw._latest_loads`.",
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="row_count"),
            gxe.ExpectColumnValuesToBeBetween(
                column="row_count_ratio",
                min_value=parameter(MIN_ROW_COUNT_RATIO),
                description=(
                    "The latest load keeps at least the configured share of the previous "
                    "load's rows. The ratio is null for an object's first load."
                ),
            ),
        ],
    )


def raw_table_specs() -> list[tuple[ObjectSpec, str, tuple[str, ...], tuple[Column, ...]]]:
    """Return (parent spec, table, primary key, columns) for every raw table, children included."""
    tables = []
    for spec in OBJECTS:
        tables.append((spec, spec.table, spec.primary_key, spec.columns))
        for child in spec.children:
            tables.append((spec, child.table, child.primary_key, _child_columns(spec, child)))
    return tables


def _child_columns(spec: ObjectSpec, child: ChildSpec) -> tuple[Column, ...]:
    # The loader fills the parent's id into `parent_column`, which the child spec does not list.
    parent_key = next(column for column in spec.columns if column.name == spec.primary_key[0])
    parent = Column(child.parent_column, parent_key.kind, (), required=True)
    return (parent, *child.columns)


def build_all_suites() -> list[gx.ExpectationSuite]:
    """Build every suite tieout runs: one per raw table, the load volume and one per mart."""
    suites = [
        build_raw_suite(table, spec.source, primary_key, columns)
        for spec, table, primary_key, columns in raw_table_specs()
    ]
    suites.append(build_load_volume_suite())
    suites.extend(builder() for builder in MART_SUITE_BUILDERS)
    return suites


def suite_path(expectations_dir: Path, suite_name: str) -> Path:
    """Return the JSON file of `suite_name` ("schema.table") under `expectations_dir`."""
    schema, _, table = suite_name.partition(".")
    return expectations_dir / schema / f"{table}.json"


def suite_to_json(suite: gx.ExpectationSuite) -> str:
    """Serialize `suite` without GX's generated ids, so the file only changes with its content."""
    data = suite.to_json_dict()
    data.pop("id", None)
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def write_suites(expectations_dir: Path, suites: Iterable[gx.ExpectationSuite]) -> list[Path]:
    """Write each suite to its JSON file and return the paths written."""
    paths = []
    for suite in suites:
        path = suite_path(expectations_dir, suite.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(suite_to_json(suite))
        paths.append(path)
    return paths


def load_suite(expectations_dir: Path, suite_name: str) -> gx.ExpectationSuite:
    """Read the suite `suite_name` from its JSON file.

    Raises FileNotFoundError naming the file and the command that writes it.
    """
    path = suite_path(expectations_dir, suite_name)
    if not path.exists():
        raise FileNotFoundError(
            f"Expectation suite {suite_name!r} not found at {path}: "
            "run `tieout quality suites` to write it."
        )
    return gx.ExpectationSuite(**json.loads(path.read_text()))

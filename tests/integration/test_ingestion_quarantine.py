"""Bad export files go to quarantine with a precise error, and earlier loads stay as they are."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.ingestion import errors
from orchestration.ingestion.loader import load_file
from orchestration.ingestion.objects import OBJECTS, spec_for_file
from orchestration.ingestion.schema import ensure_raw_schema, table_definitions

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingestion"
SNAPSHOT_AT = datetime(2026, 12, 1, 6, tzinfo=UTC)


def spec(source: str, file_name: str):
    found = spec_for_file(source, file_name)
    assert found is not None
    return found


@pytest.fixture
def connection(warehouse):
    with psycopg.connect(warehouse.libpq_url(), autocommit=False) as connection:
        ensure_raw_schema(connection)
        yield connection


@pytest.fixture
def baseline(connection, tmp_path):
    """A good load made before the bad file, so the test can check it is untouched."""
    good = tmp_path / "subsidiary.csv"
    # Unique content per test, because identical files are skipped as duplicates.
    good.write_text(
        f"id,name,country,currency,parent,iselimination,isinactive\n1,{tmp_path.name},US,1,,F,F\n"
    )
    result = load_file(
        connection, spec("netsuite", "subsidiary.csv"), good, SNAPSHOT_AT, tmp_path / "q"
    )
    assert result.status == "loaded"
    return raw_checksum(connection)


def raw_checksum(connection) -> str:
    """Hash every row of every raw table and every non-quarantine manifest row."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for object_spec in OBJECTS:
            for table, _, _ in table_definitions(object_spec):
                query = sql.SQL("select t::text from {} t order by 1").format(
                    sql.Identifier("raw", table)
                )
                rows = cursor.execute(query).fetchall()
                digest.update(f"{table}:{len(rows)}".encode())
                for (row,) in rows:
                    digest.update(row.encode())
        manifest = cursor.execute(
            "select load_id, sha256, row_count, status from raw._loads"
            " where status <> 'quarantined' order by load_id"
        ).fetchall()
        digest.update(repr(manifest).encode())
    connection.rollback()
    return digest.hexdigest()


def quarantine(connection, tmp_path, fixture: str, object_spec, **kwargs):
    """Load a fixture copy that must be quarantined, and check what every case shares."""
    path = tmp_path / "snapshot" / fixture
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, path)
    quarantine_dir = tmp_path / "quarantine"

    result = load_file(connection, object_spec, path, SNAPSHOT_AT, quarantine_dir, **kwargs)

    assert result.status == "quarantined"
    assert result.error is not None
    assert str(path) in str(result.error)

    copied = quarantine_dir / object_spec.source / f"{result.load_id}_{fixture}"
    assert result.quarantined_path == str(copied)
    assert copied.read_bytes() == path.read_bytes()

    with connection.cursor() as cursor:
        manifest = cursor.execute(
            "select status, error, sha256, byte_size from raw._loads where load_id = %s",
            (result.load_id,),
        ).fetchone()
        row = cursor.execute(
            'select reason, message, line, "column", quarantined_path, file_path'
            " from ops.quarantine where load_id = %s",
            (result.load_id,),
        ).fetchone()
    connection.rollback()

    assert manifest[0] == "quarantined"
    assert manifest[1] == str(result.error)
    assert manifest[2] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest[3] == path.stat().st_size
    assert row[0] == result.error.reason
    assert row[1] == str(result.error)
    assert row[2] == result.error.line
    assert row[3] == result.error.column
    assert row[4] == str(copied)
    assert row[5] == str(path)
    return result.error


CASES = [
    # fixture, source, file name, error class, line, column, message part
    (
        "account_missing_column.csv",
        "netsuite",
        "account.csv",
        errors.MissingColumnError,
        1,
        "acctnumber",
        "missing required column 'acctnumber'",
    ),
    (
        "subsidiary_wrong_type.csv",
        "netsuite",
        "subsidiary.csv",
        errors.InvalidValueError,
        3,
        "id",
        "invalid integer 'abc'",
    ),
    (
        "accounting_period_bad_date.csv",
        "netsuite",
        "accountingperiod.csv",
        errors.InvalidValueError,
        3,
        "startdate",
        "invalid date '2026-13-01'",
    ),
    (
        "account_bad_timestamp.csv",
        "salesforce",
        "Account.csv",
        errors.InvalidValueError,
        3,
        "created_date",
        "invalid timestamp 'yesterday'",
    ),
    (
        "opportunity_too_many_decimals.csv",
        "salesforce",
        "Opportunity.csv",
        errors.InvalidValueError,
        3,
        "amount",
        "amount 1200.5 has 1 decimals but JPY allows 0",
    ),
    (
        "charge_float_amount.jsonl",
        "stripe",
        "charge.jsonl",
        errors.InvalidValueError,
        2,
        "amount",
        "expected an integer amount in minor units, found float 10.5",
    ),
    (
        "account_empty.csv",
        "salesforce",
        "Account.csv",
        errors.EmptyFileError,
        None,
        None,
        "empty file (0 bytes)",
    ),
    (
        "account_header_only.csv",
        "salesforce",
        "Account.csv",
        errors.EmptyFileError,
        1,
        None,
        "requires rows",
    ),
    (
        "subsidiary_truncated.csv",
        "netsuite",
        "subsidiary.csv",
        errors.TruncatedFileError,
        3,
        "currency",
        "truncated last row: expected 7 fields as in the header, found 3",
    ),
    (
        "subsidiary_open_quote.csv",
        "netsuite",
        "subsidiary.csv",
        errors.TruncatedFileError,
        3,
        None,
        "unterminated quoted field",
    ),
    (
        "charge_truncated.jsonl",
        "stripe",
        "charge.jsonl",
        errors.TruncatedFileError,
        2,
        None,
        "truncated last line",
    ),
    (
        "currency_duplicate_key.csv",
        "netsuite",
        "currency.csv",
        errors.DuplicateKeyError,
        4,
        "id",
        "duplicate primary key id='1' in netsuite__currency: the same key is on line 2",
    ),
    (
        "invoice_duplicate_line.jsonl",
        "stripe",
        "invoice.jsonl",
        errors.DuplicateKeyError,
        1,
        "id",
        "duplicate primary key id='il_1' in stripe__invoice_line",
    ),
    (
        "subsidiary_semicolon.csv",
        "netsuite",
        "subsidiary.csv",
        errors.DelimiterError,
        1,
        None,
        "separated by semicolons (';'), not commas",
    ),
    (
        "subsidiary_tab.csv",
        "netsuite",
        "subsidiary.csv",
        errors.DelimiterError,
        1,
        None,
        "separated by tabs ('\\t'), not commas",
    ),
]


@pytest.mark.parametrize(
    ("fixture", "source", "file_name", "error_class", "line", "column", "message"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_bad_file_quarantined(
    connection, baseline, tmp_path, fixture, source, file_name, error_class, line, column, message
):
    error = quarantine(connection, tmp_path, fixture, spec(source, file_name))

    assert type(error) is error_class
    assert error.line == line
    assert error.column == column
    assert message in error.message
    assert error.hint
    assert raw_checksum(connection) == baseline


def test_invalid_utf8_reports_offset(connection, baseline, tmp_path):
    data = (FIXTURES / "subsidiary_latin1.csv").read_bytes()
    offset = data.index(b"\xfc")

    error = quarantine(
        connection, tmp_path, "subsidiary_latin1.csv", spec("netsuite", "subsidiary.csv")
    )

    assert type(error) is errors.EncodingError
    assert error.byte_offset == offset
    assert error.line == 3
    assert f"byte offset {offset}" in error.message
    assert raw_checksum(connection) == baseline


def test_declared_encoding_is_honoured(connection, tmp_path):
    path = tmp_path / "subsidiary.csv"
    shutil.copyfile(FIXTURES / "subsidiary_latin1.csv", path)

    result = load_file(
        connection,
        spec("netsuite", "subsidiary.csv"),
        path,
        SNAPSHOT_AT,
        tmp_path / "q",
        encoding="latin-1",
    )

    assert result.status == "loaded"
    names = connection.execute(
        "select name from raw.netsuite__subsidiary where _load_id = %s order by id",
        (result.load_id,),
    ).fetchall()
    assert names == [("Parent Inc",), ("Zürich AG",)]
    connection.rollback()


def test_unknown_column_rejected(connection, baseline, tmp_path):
    strict = dataclasses.replace(spec("netsuite", "account.csv"), unknown_columns="reject")

    error = quarantine(connection, tmp_path, "account_unknown_column.csv", strict)

    assert type(error) is errors.UnknownColumnError
    assert error.line == 1
    assert error.column == "custrecord_region"
    assert raw_checksum(connection) == baseline


def test_unknown_column_tolerated_as_drift(connection, tmp_path):
    path = tmp_path / "account.csv"
    shutil.copyfile(FIXTURES / "account_unknown_column.csv", path)

    result = load_file(connection, spec("netsuite", "account.csv"), path, SNAPSHOT_AT, tmp_path)

    assert result.status == "loaded"
    assert result.schema_drift == ["custrecord_region"]
    drift = connection.execute(
        "select schema_drift from raw._loads where load_id = %s", (result.load_id,)
    ).fetchone()[0]
    assert drift == ["custrecord_region"]
    connection.rollback()


def test_header_only_loads_zero_rows(connection, tmp_path):
    path = tmp_path / "Contract.csv"
    path.write_text("Id,AccountId,Status,StartDate,CurrencyIsoCode\n")

    result = load_file(connection, spec("salesforce", "Contract.csv"), path, SNAPSHOT_AT, tmp_path)

    assert result.status == "loaded"
    assert result.row_count == 0


def test_error_message_format(connection, tmp_path):
    path = tmp_path / "subsidiary.csv"
    shutil.copyfile(FIXTURES / "subsidiary_wrong_type.csv", path)

    result = load_file(
        connection, spec("netsuite", "subsidiary.csv"), path, SNAPSHOT_AT, tmp_path / "q"
    )

    assert str(result.error) == (
        f"{path}:3: column 'id': invalid integer 'abc'. Expected a whole number such as 42."
    )

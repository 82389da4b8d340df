"""Pure parsing functions of the ingestion package; no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestration.ingestion import convert
from orchestration.ingestion.adapters import read_rows
from orchestration.ingestion.adapters.salesforce import generated_id, id_checksum, normalize_id
from orchestration.ingestion.adapters.stripe import compile_getter
from orchestration.ingestion.currencies import currency_exponent
from orchestration.ingestion.errors import (
    DelimiterError,
    EncodingError,
    InvalidValueError,
    MalformedRowError,
    MissingColumnError,
    SnapshotFolderError,
    TruncatedFileError,
)
from orchestration.ingestion.objects import spec_for_file
from orchestration.ingestion.snapshots import (
    format_snapshot_time,
    parse_snapshot_time,
    resolve_file,
    scan_source,
)

ACCOUNT = spec_for_file("salesforce", "Account.csv")
OPPORTUNITY = spec_for_file("salesforce", "Opportunity.csv")
CHARGE = spec_for_file("stripe", "charge.jsonl")
INVOICE = spec_for_file("stripe", "invoice.jsonl")
SUBSIDIARY = spec_for_file("netsuite", "subsidiary.csv")
TRANSACTION = spec_for_file("netsuite", "transaction.csv")


# --- snapshots --------------------------------------------------------------------


def test_snapshot_time_parses():
    assert parse_snapshot_time("2026-12-01T06-00-00Z") == datetime(2026, 12, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "name", ["2026-12-01", "2026-12-01T06:00:00Z", "2026-13-01T06-00-00Z", "latest"]
)
def test_snapshot_time_rejects_malformed(name):
    with pytest.raises(SnapshotFolderError) as raised:
        parse_snapshot_time(name)
    assert name in str(raised.value)
    assert "YYYY-MM-DDTHH-MM-SSZ" in str(raised.value)


def test_snapshot_time_round_trips():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_snapshot_time(format_snapshot_time(moment)) == moment


def test_scan_source_orders_and_reports(tmp_path):
    for name in ("2026-12-02T06-00-00Z", "2026-12-01T06-00-00Z", "not-a-time"):
        (tmp_path / "stripe" / name).mkdir(parents=True)
    (tmp_path / "stripe" / "2026-12-01T06-00-00Z" / "invoice.jsonl").write_text("")
    (tmp_path / "stripe" / "2026-12-01T06-00-00Z" / "notes.txt").write_text("")

    scan = scan_source(tmp_path, "stripe")

    assert [s.path.name for s in scan.snapshots] == ["2026-12-01T06-00-00Z", "2026-12-02T06-00-00Z"]
    assert [f.spec.name for f in scan.snapshots[0].files] == ["invoice"]
    assert [p.name for p in scan.snapshots[0].unknown_files] == ["notes.txt"]
    assert len(scan.invalid_folders) == 1
    assert "not-a-time" in str(scan.invalid_folders[0])


def test_resolve_file_knows_sobject_trees():
    assert resolve_file("salesforce", "Opportunities.json")[1] == "sobject_tree"
    assert resolve_file("salesforce", "Account.csv")[1] == "csv"
    assert resolve_file("stripe", "Account.csv") is None


# --- converters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1000, "usd", "10.00"),
        (-1005, "eur", "-10.05"),
        (1000, "jpy", "1000"),
        (1234, "kwd", "1.234"),
        (5, "bhd", "0.005"),
        (123456, "clf", "12.3456"),
        (0, "usd", "0.00"),
    ],
)
def test_minor_money_uses_iso_exponent(amount, currency, expected):
    assert convert.convert_minor_money(amount, currency) == expected


def test_unknown_currency_is_invalid():
    with pytest.raises(convert.InvalidValue) as raised:
        convert.convert_minor_money(100, "currency")
    assert "unknown currency code 'currency'" in raised.value.message


def test_currency_table_exponents():
    assert currency_exponent("JPY") == 0
    assert currency_exponent("kwd") == 3
    assert currency_exponent("CLF") == 4
    assert currency_exponent("USD") == 2
    with pytest.raises(KeyError):
        currency_exponent("XAU")


@pytest.mark.parametrize(
    ("value", "currency"), [("10.50", "USD"), ("10.500", "USD"), ("1200", "JPY"), ("1.234", "KWD")]
)
def test_money_accepts_currency_decimals(value, currency):
    assert convert.convert_money(value, currency) == value


@pytest.mark.parametrize(
    ("value", "currency"),
    [("10.505", "USD"), ("1200.5", "JPY"), ("1.2345", "BHD"), ("1.001", None)],
)
def test_money_rejects_extra_decimals(value, currency):
    with pytest.raises(convert.InvalidValue):
        convert.convert_money(value, currency)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-05T10:00:00.000Z", "2026-01-05T10:00:00+00:00"),
        ("2026-01-05T10:00:00.000+0100", "2026-01-05T10:00:00+01:00"),
        ("2026-01-05 10:00:00", "2026-01-05T10:00:00+00:00"),
        ("2017-05-21 1:41:07", "2017-05-21T01:41:07+00:00"),
    ],
)
def test_timestamp_forms(value, expected):
    assert convert.convert_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-01-31", "2026-01-31"), ("2002-03-31 0:00:00", "2002-03-31")],
)
def test_date_forms(value, expected):
    assert convert.convert_date(value) == expected


@pytest.mark.parametrize("value", ["2026-02-30", "31/01/2026", "2026-01-31 13:00:00", "20260131"])
def test_date_rejects(value):
    with pytest.raises(convert.InvalidValue):
        convert.convert_date(value)


def test_text_escaped_for_copy():
    assert convert.escape_text("a\tb\\c\nd") == "a\\tb\\\\c\\nd"
    with pytest.raises(convert.InvalidValue):
        convert.escape_text("nul\x00")


def test_integer_range_checked():
    assert convert.convert_integer("-42") == "-42"
    with pytest.raises(convert.InvalidValue):
        convert.convert_integer("99999999999999999999")
    with pytest.raises(convert.InvalidValue):
        convert.convert_integer("4.0")


def test_json_amount_must_be_integer():
    assert convert.json_minor_amount(10) == 10
    for value in (10.0, True, "10"):
        with pytest.raises(convert.InvalidValue):
            convert.json_minor_amount(value)


def test_unix_timestamp_converts():
    assert convert.json_unix_timestamp(1767225600) == "2026-01-01T00:00:00+00:00"
    with pytest.raises(convert.InvalidValue):
        convert.json_unix_timestamp("1767225600")


# --- Salesforce -------------------------------------------------------------------


def test_salesforce_id_gets_checksum():
    # Upper-case letters at position 4 of block 1 (I) and 2 of block 3 (C).
    assert id_checksum("001A0000006Vm9r") == "IAC"
    assert normalize_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert normalize_id("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    assert normalize_id("001A0000006Vm9riac") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize("value", ["001A0000006Vm9", "001A0000006Vm9rXXX", "001A0000006Vm9-"])
def test_salesforce_id_rejects(value):
    with pytest.raises(convert.InvalidValue):
        normalize_id(value)


def test_generated_id_is_stable():
    first = generated_id("Account", "AccountRef1")
    assert first == generated_id("Account", "AccountRef1")
    assert first != generated_id("Account", "AccountRef2")
    assert first.startswith("001")
    assert normalize_id(first) == first


def test_salesforce_csv_rows(tmp_path):
    path = tmp_path / "Account.csv"
    path.write_bytes(
        b"\xef\xbb\xbfID,NAME,CurrencyIsoCode,IsDeleted,Region__c\n"
        b'001A0000006Vm9r,"Acme, Inc.",USD,false,EMEA\n'
    )

    rows, report = read_rows(path, ACCOUNT)

    assert rows == [
        (
            "salesforce__account",
            2,
            ["001A0000006Vm9rIAC", "Acme, Inc.", "\\N", "USD", "\\N", "\\N", "f", "\\N", "\\N"],
        )
    ]
    assert report.unknown_columns == ["Region__c"]


def test_salesforce_boolean_is_strict(tmp_path):
    path = tmp_path / "Account.csv"
    path.write_text("Id,Name,IsDeleted\n001A0000006Vm9r,Acme,T\n")

    with pytest.raises(InvalidValueError) as raised:
        read_rows(path, ACCOUNT)
    assert raised.value.column == "is_deleted"
    assert raised.value.line == 2


def test_multiline_field_keeps_start_line(tmp_path):
    path = tmp_path / "Opportunity.csv"
    path.write_text(
        "Id,AccountId,Name,StageName,Amount\n"
        '006A0000006Vm9r,001A0000006Vm9r,"two\nlines",Won,10\n'
        "006A0000006Vm9s,001A0000006Vm9r,bad,Won,x\n"
    )

    with pytest.raises(InvalidValueError) as raised:
        read_rows(path, OPPORTUNITY)
    assert raised.value.line == 4
    assert raised.value.column == "amount"


def test_sobject_tree_type_mismatch(tmp_path):
    path = tmp_path / "Accounts.json"
    path.write_text(
        '{"records": [\n  {"attributes": {"type": "Contact", "referenceId": "C1"}, "Name": "x"}\n]}'
    )

    with pytest.raises(MalformedRowError) as raised:
        read_rows(path, ACCOUNT, file_format="sobject_tree")
    assert raised.value.line == 2
    assert raised.value.column == "attributes.type"


def test_sobject_tree_truncated(tmp_path):
    path = tmp_path / "Accounts.json"
    path.write_text('{"records": [\n  {"attributes": {"type": "Account", "referenceId": "A1"},')

    with pytest.raises(TruncatedFileError):
        read_rows(path, ACCOUNT, file_format="sobject_tree")


# --- NetSuite ---------------------------------------------------------------------


def test_netsuite_booleans_and_fivetran_columns(tmp_path):
    path = tmp_path / "subsidiary.csv"
    path.write_text(
        "id,name,currency,iselimination,isinactive,_fivetran_synced\n"
        "1,Parent,1,TRUE,F,2022-05-27 13:41:13\n"
    )

    rows, report = read_rows(path, SUBSIDIARY)

    assert rows[0][2] == ["1", "Parent", "\\N", "1", "\\N", "t", "f"]
    assert report.unknown_columns == ["_fivetran_synced"]
    assert "country" in report.missing_columns


def test_netsuite_money_default_decimals(tmp_path):
    path = tmp_path / "transaction.csv"
    path.write_text("id,type,trandate,currency,foreigntotal\n1,CustInvc,2026-01-31,1,10.123\n")

    with pytest.raises(InvalidValueError) as raised:
        read_rows(path, TRANSACTION)
    assert raised.value.column == "foreigntotal"
    assert "2" in raised.value.message


def test_semicolon_in_data_row_detected(tmp_path):
    path = tmp_path / "subsidiary.csv"
    path.write_text("id,name,currency\n1;Parent;1\n")

    with pytest.raises(DelimiterError) as raised:
        read_rows(path, SUBSIDIARY)
    assert raised.value.line == 2


def test_required_column_missing(tmp_path):
    path = tmp_path / "subsidiary.csv"
    path.write_text("id,name\n1,Parent\n")

    with pytest.raises(MissingColumnError) as raised:
        read_rows(path, SUBSIDIARY)
    assert raised.value.column == "currency"


def test_csv_invalid_utf8_offset(tmp_path):
    path = tmp_path / "subsidiary.csv"
    data = b"id,name,currency\n1,Z\xfcrich,1\n"
    path.write_bytes(data)

    with pytest.raises(EncodingError) as raised:
        read_rows(path, SUBSIDIARY)
    assert raised.value.byte_offset == data.index(b"\xfc")
    assert raised.value.line == 2


# --- Stripe -----------------------------------------------------------------------


def test_first_non_null_path_wins():
    get = compile_getter(("subscription", "parent.subscription_details.subscription"))
    nested = {"subscription": None, "parent": {"subscription_details": {"subscription": "sub_1"}}}
    assert get(nested, None) == "sub_1"
    assert get({"subscription": "sub_2"}, None) == "sub_2"
    assert get({}, None) is None
    assert compile_getter(("__parent__.currency",))({}, {"currency": "eur"}) == "eur"


def test_stripe_rows_keep_record(tmp_path):
    path = tmp_path / "charge.jsonl"
    path.write_text(
        '{"id":"ch_1","object":"charge","status":"succeeded","currency":"kwd",'
        '"amount":1500,"description":"tab\\there","created":1767225600}\n'
    )

    rows, _ = read_rows(path, CHARGE)

    values = rows[0][2]
    assert values[7] == "1.500"
    assert values[-1].startswith('{"id":"ch_1"')
    assert "tab\\\\there" in values[-1]


def test_stripe_wrong_object_type(tmp_path):
    path = tmp_path / "charge.jsonl"
    path.write_text('{"id":"re_1","object":"refund","status":"ok","currency":"usd"}\n')

    with pytest.raises(MalformedRowError) as raised:
        read_rows(path, CHARGE)
    assert raised.value.column == "object"


def test_stripe_missing_required_field(tmp_path):
    path = tmp_path / "charge.jsonl"
    path.write_text('\n{"id":"ch_1","object":"charge","currency":"usd"}\n')

    with pytest.raises(MissingColumnError) as raised:
        read_rows(path, CHARGE)
    assert raised.value.line == 2
    assert raised.value.column == "status"


def test_stripe_incomplete_line_lists_counted(tmp_path):
    path = tmp_path / "invoice.jsonl"
    path.write_text(
        '{"id":"in_1","object":"invoice","customer":"cus_1","status":"paid","currency":"usd",'
        '"lines":{"has_more":true,"data":[{"id":"il_1","currency":"usd","amount":100}]}}\n'
    )

    rows, report = read_rows(path, INVOICE)

    assert report.incomplete_child_lists == 1
    assert [table for table, _, _ in rows] == ["stripe__invoice", "stripe__invoice_line"]


def test_jsonl_invalid_utf8_offset(tmp_path):
    path = tmp_path / "charge.jsonl"
    first = b'{"id":"ch_1","object":"charge","status":"ok","currency":"usd"}\n'
    path.write_bytes(first + b'{"id":"ch_\xff2"}\n')

    with pytest.raises(EncodingError) as raised:
        read_rows(path, CHARGE)
    assert raised.value.line == 2
    assert raised.value.byte_offset == len(first) + 10


def test_jsonl_bad_middle_line_is_malformed(tmp_path):
    path = tmp_path / "charge.jsonl"
    path.write_text('{"id":\n{"id":"ch_1","object":"charge","status":"ok","currency":"usd"}\n')

    with pytest.raises(MalformedRowError) as raised:
        read_rows(path, CHARGE)
    assert raised.value.line == 1

"""Generated row functions agree with the adapters' general per-field conversion."""

from __future__ import annotations

import orjson
import pytest

from orchestration.ingestion.adapters import delimited, netsuite, read_rows, salesforce, stripe
from orchestration.ingestion.adapters.base import ParseReport
from orchestration.ingestion.adapters.fastpath import (
    NEEDS_COPY_ESCAPE,
    compile_csv_row,
    compile_json_row,
)
from orchestration.ingestion.convert import InvalidValue
from orchestration.ingestion.errors import IngestionError
from orchestration.ingestion.objects import spec_for_file

INVOICE = spec_for_file("stripe", "invoice.jsonl")
CREDIT_NOTE = spec_for_file("stripe", "credit_note.jsonl")
BALANCE = spec_for_file("stripe", "balance_transaction.jsonl")
CUSTOMER = spec_for_file("stripe", "customer.jsonl")
OPPORTUNITY = spec_for_file("salesforce", "Opportunity.csv")
TRANSACTION = spec_for_file("netsuite", "transaction.csv")

INVOICE_BASE = {
    "id": "in_1",
    "object": "invoice",
    "number": "INV-1",
    "customer": "cus_1",
    "status": "paid",
    "currency": "usd",
    "subtotal": 2001,
    "tax": 0,
    "total": -2001,
    "created": 1767225600,
    "status_transitions": {"finalized_at": 1767225600, "paid_at": None},
    "parent": {"subscription_details": {"subscription": "sub_1"}},
    "metadata": {"salesforce_contract_id": "800000000000001AAA"},
}

# Each case changes INVOICE_BASE; None removes the field.
INVOICE_CHANGES = [
    {},
    {"currency": "jpy", "total": 1500},
    {"currency": "kwd", "subtotal": -1},
    {"currency": "USD"},
    {"currency": "Usd"},
    {"currency": "xxx"},
    {"currency": None},
    {"currency": 5},
    {"subtotal": 10.5},
    {"subtotal": True},
    {"subtotal": "2001"},
    {"number": 42},
    {"number": True},
    {"number": {"id": "expanded"}},
    {"number": ["list"]},
    {"customer": None},
    {"customer": ""},
    {"created": "1767225600"},
    {"created": 10**20},
    {"created": -(10**15)},
    {"created": False},
    {"status_transitions": "not an object"},
    {"status_transitions": {"finalized_at": 1.5}},
    {"subscription": "sub_direct"},
    {"parent": None},
]


def general_json(columns, obj, parent):
    """Convert with the Stripe adapter's general code; return the error type if it raises."""
    try:
        return stripe._convert("f.jsonl", 1, obj, parent, stripe._plan(columns), "")
    except IngestionError as error:
        return type(error)


def fast_json(columns, obj, parent):
    try:
        return compile_json_row(columns, with_parent_id=False)(obj, parent)
    except (ValueError, OverflowError, OSError):
        return None


@pytest.mark.parametrize("change", INVOICE_CHANGES, ids=[repr(c) for c in INVOICE_CHANGES])
def test_json_fast_path_agrees(change):
    obj = {**INVOICE_BASE, **change}
    obj = {key: value for key, value in obj.items() if value is not None}

    fast = fast_json(INVOICE.columns, obj, None)
    general = general_json(INVOICE.columns, obj, None)

    if fast is not None:
        assert fast == general
    assert fast is not None or change, "the plain invoice must take the fast path"


def test_json_fast_path_formats_amounts():
    fast = fast_json(INVOICE.columns, {**INVOICE_BASE, "currency": "kwd", "subtotal": 5}, None)
    names = [column.name for column in INVOICE.columns]

    assert fast[names.index("subtotal")] == "0.005"
    assert fast[names.index("total")] == "-2.001"
    assert fast[names.index("subscription")] == "sub_1"
    assert fast[names.index("paid_at")] == "\\N"


@pytest.mark.parametrize("rate", [1.0825, 3, None, float("inf"), float("nan"), "1.5", True])
def test_json_fast_path_decimals(rate):
    obj = {"id": "txn_1", "type": "charge", "currency": "eur", "amount": 100, "exchange_rate": rate}
    obj = {key: value for key, value in obj.items() if value is not None}

    fast = fast_json(BALANCE.columns, obj, None)

    if fast is not None:
        assert fast == general_json(BALANCE.columns, obj, None)


def test_json_fast_path_child_reads_parent():
    child = CREDIT_NOTE.children[0]
    row = compile_json_row(child.columns, with_parent_id=True)
    parent = {"id": "cn_1", "currency": "jpy"}
    item = {"id": "cnli_1", "amount": 700, "quantity": 2}

    fast = row(item, parent, "cn_1")

    plan = stripe._plan(child.columns)
    assert fast == ["cn_1", *stripe._convert("f.jsonl", 1, item, parent, plan, "")]
    assert fast[5] == "jpy"
    assert fast[6] == "700"


@pytest.mark.parametrize(
    ("line", "needs_escape"),
    [
        (b'{"a":"plain"}', False),
        (b'{"a":"caf\\u00e9 \\"quoted\\" \\/ \\b \\f"}', False),
        (b'{"a":"tab\\there"}', True),
        (b'{"a":"line\\nbreak"}', True),
        (b'{"a":"cr\\r"}', True),
        (b'{"a":"back\\\\slash"}', True),
        (b'{"a":"\\u005c"}', True),
        (b'{"a":"\\u005C"}', True),
        (b'{"a":"\\u0009"}', True),
        (b'{"a":"\\u001F"}', True),
        (b'{"a":"\\u0000"}', True),
    ],
)
def test_copy_escape_detection(line, needs_escape):
    assert (NEEDS_COPY_ESCAPE.search(line) is not None) == needs_escape
    if not needs_escape:
        decoded = orjson.loads(line)["a"]
        assert not any(char in decoded for char in "\\\t\n\r\x00")


def test_jsonl_escaped_strings_still_escaped(tmp_path):
    path = tmp_path / "customer.jsonl"
    path.write_text(
        '{"id":"cus_1","object":"customer","name":"tab\\there back\\\\slash"}\n'
        '{"id":"cus_2","object":"customer","name":"plain","livemode":false}\n'
    )

    rows, _ = read_rows(path, CUSTOMER)

    assert rows[0][2][1] == "tab\\there back\\\\slash"
    assert rows[1][2][1] == "plain"
    assert rows[1][2][-2] == "f"


def csv_fields(spec, header, converter_for):
    return delimited._plan_fields("f.csv", spec, header, ParseReport("f.csv"), converter_for, ())


OPPORTUNITY_HEADER = ["Id", "AccountId", "StageName", "IsWon", "CloseDate", "CurrencyIsoCode"]
OPPORTUNITY_HEADER += ["Amount", "CreatedDate"]
OPPORTUNITY_RECORDS = [
    ["006000000000001", "001000000000001AAA", "Won", "true", "2026-01-31", "USD", "10.5", ""],
    ["006000000000001AAA", "001000000000001", "Won", "TRUE", "2026-01-31", "JPY", "1200", ""],
    ["006000000000001AAA", "001000000000001AAA", "Won", "yes", "2026-01-31", "USD", "1", ""],
    ["006000000000001AAA", "001000000000001AAA", "Won", "false", "2026-13-01", "USD", "1", ""],
    ["006000000000001AAA", "001000000000001AAA", "Won", "", "", "JPY", "1200.5", ""],
    ["006000000000001AAA", "bad id", "Won", "", "", "", "10.555", ""],
    ["006000000000001AAA", "001000000000001AAA", "", "", "", "", "", "2026-01-31T08:15:00Z"],
    ["006000000000001AAA", "001000000000001AAA", "Won", "", "", "", "", "2026-01-31 1:41:07"],
    ["006000000000001AAA", "001000000000001AAA", "Won", "", "", "", "", "yesterday"],
    ["", "001000000000001AAA", "Won", "", "", "", "", ""],
]


def general_csv(fields, record):
    try:
        return delimited._convert_row("f.csv", 2, record, fields)
    except IngestionError as error:
        return type(error)


def fast_csv(fields, record):
    try:
        return compile_csv_row(fields)(record)
    except ValueError:
        return None


@pytest.mark.parametrize("record", OPPORTUNITY_RECORDS, ids=range(len(OPPORTUNITY_RECORDS)))
def test_csv_fast_path_agrees(record):
    fields = csv_fields(OPPORTUNITY, OPPORTUNITY_HEADER, salesforce.converter_for)

    fast = fast_csv(fields, record)

    if fast is not None:
        assert fast == general_csv(fields, record)
    assert fast is not None or isinstance(general_csv(fields, record), type)


TRANSACTION_HEADER = ["id", "type", "trandate", "currency", "foreigntotal", "voided", "memo"]
TRANSACTION_RECORDS = [
    ["1", "CustInvc", "2026-01-05", "1", "20.01", "F", "memo"],
    ["+1", "CustInvc", "2026-01-05 00:00:00", "1", "-20", "T", ""],
    ["12345678901234567890", "CustInvc", "2026-01-05", "1", "20.01", "F", ""],
    ["123456789012345678", "CustInvc", "2026-01-05", "1", "20.001", "FALSE", ""],
    ["١٢", "CustInvc", "2026-01-05", "1", "1", "F", ""],
    ["abc", "CustInvc", "2026-01-05", "1", "1", "F", ""],
    ["1", "CustInvc", "2026-01-05", "1", "1", "maybe", ""],
]


@pytest.mark.parametrize("record", TRANSACTION_RECORDS, ids=range(len(TRANSACTION_RECORDS)))
def test_csv_fast_path_agrees_netsuite(record):
    fields = csv_fields(TRANSACTION, TRANSACTION_HEADER, netsuite.converter_for)

    fast = fast_csv(fields, record)

    if fast is not None:
        assert fast == general_csv(fields, record)


def test_csv_fast_path_memo_keeps_errors():
    fields = csv_fields(TRANSACTION, TRANSACTION_HEADER, netsuite.converter_for)
    row = compile_csv_row(fields)
    voided = [column.name for column in TRANSACTION.columns].index("voided")

    assert row(TRANSACTION_RECORDS[0])[voided] == "f"
    with pytest.raises(InvalidValue):
        row(["1", "CustInvc", "2026-02-30", "1", "1", "F", ""])
    with pytest.raises(InvalidValue):
        row(["1", "CustInvc", "2026-02-30", "1", "1", "F", ""])


def test_csv_escaped_values_still_escaped(tmp_path):
    path = tmp_path / "transaction.csv"
    path.write_text(
        "id,type,trandate,currency,memo\n"
        '1,CustInvc,2026-01-05,1,"tab\there"\n'
        "2,CustInvc,2026-01-05,1,back\\slash\n"
        "3,CustInvc,2026-01-05,1,plain\n"
    )

    rows, _ = read_rows(path, TRANSACTION)
    memo = [column.name for column in TRANSACTION.columns].index("memo")

    assert rows[0][2][memo] == "tab\\there"
    assert rows[1][2][memo] == "back\\\\slash"
    assert rows[2][2][memo] == "plain"

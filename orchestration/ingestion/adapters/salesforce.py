"""Salesforce adapter: Data Loader / Bulk API CSV and sObject tree JSON.

CSV headers are API field names (`Id`, `AccountId`, `CurrencyIsoCode`), booleans are
`true`/`false`, and record Ids come in the 15-character case-sensitive form or the
18-character form; both load as 18 characters.

The sObject tree format (`{"records": [{"attributes": {"type": "Account",
"referenceId": "AccountRef1"}, ...}]}`, as read by `sf data import tree`) has no Ids:
records are named by reference ids, and lookups point at them as `@AccountRef1`. Each
reference becomes a generated 18-character Id derived from the sObject type and the
reference id, so the same tree file gives the same Ids on every load, and an Opportunity's
`AccountId` equals the generated Id of the Account it references.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

from orchestration.ingestion.adapters.base import ParseReport, Row, requires_rows
from orchestration.ingestion.adapters.delimited import parse_csv
from orchestration.ingestion.convert import (
    NULL,
    TEXT_CONVERTERS,
    InvalidValue,
    TextConverter,
    boolean_converter,
    convert_money,
    escape_text,
    json_money_text,
)
from orchestration.ingestion.errors import (
    EmptyFileError,
    EncodingError,
    InvalidValueError,
    MalformedRowError,
    MissingColumnError,
    TruncatedFileError,
    UnknownColumnError,
)
from orchestration.ingestion.objects import Column, ObjectSpec
from orchestration.ingestion.reading import DEFAULT_ENCODING, FileStream

convert_boolean = boolean_converter(frozenset({"true"}), frozenset({"false"}))

_ID_PATTERN = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Lookup fields that hold a record Id without ending in "Id".
ID_FIELDS = frozenset({"Opportunity__c"})

# Key prefixes of the sObjects a tree file may reference, for generated Ids.
KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Contract": "800",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
}
GENERIC_KEY_PREFIX = "a00"

# The sObject type each spec reads from a tree file.
SOBJECT_TYPES = {
    "account": "Account",
    "product2": "Product2",
    "opportunity": "Opportunity",
    "opportunity_line_item": "OpportunityLineItem",
    "contract": "Contract",
}

# Tree files are limited to 200 records by the Salesforce API that imports them, so
# reading one whole is safe; a larger file is not an sObject tree export.
MAX_TREE_BYTES = 64 * 1024 * 1024


class _UpperBits(dict):
    """A str.translate table: "1" for an ASCII upper-case letter, "0" for any other code."""

    def __missing__(self, code: int) -> str:
        return "0"


_UPPER_BITS = _UpperBits({code: "1" if "A" <= chr(code) <= "Z" else "0" for code in range(128)})


def id_checksum(id15: str) -> str:
    """Return the 3-character suffix that makes a 15-character Id case-insensitive.

    Each suffix character encodes, as 5 bits, which of 5 Id characters are upper case;
    the first character of each group is the lowest bit.
    """
    bits = id15.translate(_UPPER_BITS)
    return (
        _CHECKSUM_ALPHABET[int(bits[4::-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[9:4:-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[14:9:-1], 2)]
    )


def normalize_id(value: str) -> str:
    """Return the 18-character form of a 15- or 18-character Salesforce Id.

    Raises InvalidValue for another length, a non-alphanumeric character, or an
    18-character Id whose suffix does not match its first 15 characters.
    """
    if _ID_PATTERN.fullmatch(value) is None:
        raise InvalidValue(
            f"invalid Salesforce Id {value!r}",
            "expected 15 or 18 letters and digits, such as 001000000000001AAA",
        )
    checksum = id_checksum(value[:15])
    if len(value) == 15:
        return value + checksum
    if value[15:].upper() != checksum:
        raise InvalidValue(
            f"invalid Salesforce Id {value!r}: its suffix should be {checksum}",
            "the Id was changed after export; take it unchanged from Salesforce",
        )
    return value[:15] + checksum


def generated_id(sobject_type: str, reference_id: str) -> str:
    """Return a stable 18-character Id for a tree file's reference id."""
    prefix = KEY_PREFIXES.get(sobject_type, GENERIC_KEY_PREFIX)
    digest = int.from_bytes(hashlib.sha256(f"{sobject_type}:{reference_id}".encode()).digest())
    body = ""
    for _ in range(12):
        digest, index = divmod(digest, 62)
        body += _BASE62[index]
    id15 = prefix + body
    return id15 + id_checksum(id15)


def is_id_field(api_name: str) -> bool:
    return api_name.endswith("Id") or api_name in ID_FIELDS


def converter_for(column: Column) -> TextConverter:
    """Return the CSV converter of a Salesforce column."""
    if column.kind == "boolean":
        return convert_boolean
    if column.kind == "text" and is_id_field(column.source[0]):
        return normalize_id
    return TEXT_CONVERTERS[column.kind]


def parse_data_loader_csv(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    *,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Row]:
    """Yield the rows of a Data Loader or Bulk API CSV export."""
    return parse_csv(stream, spec, report, converter_for, encoding=encoding)


# --- sObject tree JSON ------------------------------------------------------------

_RECORDS_KEY = re.compile(r'"records"\s*:\s*\[')


def parse_sobject_tree(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    *,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Row]:
    """Yield the rows of an sObject tree file of `spec`'s sObject type.

    Field values are read as the CSV would write them and go through the same checks.
    Each row keeps its record, without `attributes`, in `_record`.
    """
    path = stream.path
    text = _read_tree_text(stream, encoding)
    if not text.strip():
        raise EmptyFileError(path, "empty file (0 bytes)", hint="re-run the export")

    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        cls = TruncatedFileError if error.pos >= len(text.rstrip()) else MalformedRowError
        raise cls(
            path,
            f"invalid JSON: {error.msg} at column {error.colno}",
            line=error.lineno,
            hint="the file is cut off or not an sObject tree export; re-run the export",
        ) from None

    expected_type = SOBJECT_TYPES[spec.name]
    plan = _tree_plan(spec)
    known_fields = {source for column in spec.columns for source in column.source}
    unknown: dict[str, None] = {}

    row_count = 0
    for line, record in _iter_tree_records(path, text):
        attributes = record.get("attributes") or {}
        record_type = attributes.get("type")
        if record_type != expected_type:
            raise MalformedRowError(
                path,
                f"record of type {record_type!r} in a file of {expected_type} records",
                line=line,
                column="attributes.type",
                hint=f"put {record_type} records in their own file",
            )
        for name in record:
            if name != "attributes" and name not in known_fields:
                if spec.unknown_columns == "reject":
                    raise UnknownColumnError(
                        path,
                        f"unknown field {name!r}: {spec.qualified_table} accepts only its "
                        "spec's columns",
                        line=line,
                        column=name,
                        hint="remove the field, or add it to the object's spec",
                    )
                unknown.setdefault(name)

        values = _tree_row(path, line, record, attributes, expected_type, plan, spec)
        row_count += 1
        report.count(spec.table)
        yield spec.table, line, values

    report.unknown_columns.extend(unknown)
    if row_count == 0 and requires_rows(spec):
        raise EmptyFileError(
            path,
            f"no records: {spec.source} {spec.name} requires rows",
            line=1,
            hint="re-run the export",
        )


def _read_tree_text(stream: FileStream, encoding: str) -> str:
    chunks = []
    for block in stream.blocks():
        chunks.append(block)
        if stream.byte_size > MAX_TREE_BYTES:
            raise MalformedRowError(
                stream.path,
                f"file is larger than {MAX_TREE_BYTES} bytes, too large for an sObject tree",
                hint="export large objects with Data Loader or the Bulk API as CSV",
            )
    data = b"".join(chunks)
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise EncodingError(
            stream.path,
            f"invalid {encoding} at byte offset {error.start}: {error.reason}",
            line=data.count(b"\n", 0, error.start) + 1,
            byte_offset=error.start,
            hint="re-export the file as UTF-8, or pass the file's real encoding",
        ) from None


def _iter_tree_records(path, text: str) -> Iterator[tuple[int, dict]]:
    """Yield each record of the `records` list with the line its opening brace is on."""
    match = _RECORDS_KEY.search(text)
    if match is None:
        raise MissingColumnError(
            path,
            'missing "records" list: not an sObject tree file',
            line=1,
            column="records",
            hint='expected {"records": [...]} as written by `sf data export tree`',
        )

    decoder = json.JSONDecoder()
    position = match.end()
    line = text.count("\n", 0, position) + 1
    while True:
        start = position
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        line += text.count("\n", start, position)
        if position >= len(text) or text[position] == "]":
            return
        record, end = decoder.raw_decode(text, position)
        if not isinstance(record, dict):
            raise MalformedRowError(path, "record is not a JSON object", line=line)
        yield line, record
        line += text.count("\n", position, end)
        position = end


def _tree_plan(spec: ObjectSpec) -> list[tuple[Column, TextConverter]]:
    return [(column, converter_for(column)) for column in spec.columns]


def _tree_row(path, line, record, attributes, sobject_type, plan, spec) -> list[str]:
    values = []
    column = None
    try:
        texts: dict[str, str | None] = {}
        for column, _ in plan:
            texts[column.name] = _tree_field_text(record, column, attributes, sobject_type)

        for column, convert in plan:
            raw = texts[column.name]
            if raw is None or raw == "":
                if column.required:
                    raise MissingColumnError(
                        path,
                        f"missing required field {column.source[0]!r} in this record",
                        line=line,
                        column=column.source[0],
                        hint="add the field to every record of the file",
                    )
                values.append(NULL)
            elif column.kind == "money":
                currency = texts.get(column.currency_column) if column.currency_column else None
                values.append(convert_money(raw, currency))
            else:
                values.append(convert(raw))
    except InvalidValue as error:
        raise InvalidValueError(
            path, error.message, line=line, column=column.source[0], hint=error.hint
        ) from None

    body = {name: value for name, value in record.items() if name != "attributes"}
    values.append(escape_text(json.dumps(body, ensure_ascii=False, separators=(",", ":"))))
    return values


def _tree_field_text(record, column: Column, attributes, sobject_type: str) -> str | None:
    api_name = column.source[0]
    if api_name == "Id" and "Id" not in record and attributes.get("referenceId"):
        return generated_id(sobject_type, attributes["referenceId"])

    value = next((record[s] for s in column.source if s in record), None)
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("@") and is_id_field(api_name):
        return generated_id(_referenced_type(api_name, sobject_type), value[1:])
    if isinstance(value, bool):
        return "true" if value else "false"
    if column.kind == "money" and isinstance(value, int | float | str):
        return json_money_text(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return value
    raise InvalidValue(f"expected a scalar value, found {type(value).__name__}")


def _referenced_type(api_name: str, sobject_type: str) -> str:
    """Return the sObject type a lookup field points at: AccountId -> Account."""
    if api_name == "ParentId":
        return sobject_type
    if api_name.endswith("__c"):
        return api_name[: -len("__c")]
    return api_name[: -len("Id")]

"""Read a vendor CSV export: header checks, delimiter detection and typed rows.

Salesforce and NetSuite files share this reader and differ in how a column's text is
converted (boolean spellings, Salesforce Id checksums), which each adapter supplies.
Header names match the spec's sources case-insensitively, because both vendors treat
field names that way and Data Loader writes them in the case of the query.

Records are converted by a function generated per file (see `fastpath`); a record it
does not accept goes through the general per-field code, which raises the precise error.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from orchestration.ingestion.adapters.base import ParseReport, Row, requires_rows
from orchestration.ingestion.adapters.fastpath import compile_csv_row
from orchestration.ingestion.convert import NULL, InvalidValue, TextConverter, convert_money
from orchestration.ingestion.errors import (
    DelimiterError,
    EmptyFileError,
    InvalidValueError,
    MalformedRowError,
    MissingColumnError,
    TruncatedFileError,
    UnknownColumnError,
)
from orchestration.ingestion.objects import Column, ObjectSpec
from orchestration.ingestion.reading import DEFAULT_ENCODING, FileStream, iter_text_lines

OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}

ConverterFactory = Callable[[Column], TextConverter]


@dataclass(frozen=True)
class _Field:
    """How one table column is filled from a CSV row."""

    name: str
    kind: str
    header_index: int | None
    convert: TextConverter
    primary_key: bool
    # Header index of the currency for a money column; -1 when the file has none.
    currency_index: int | None


def parse_csv(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    converter_for: ConverterFactory,
    *,
    encoding: str = DEFAULT_ENCODING,
    tolerated_prefixes: tuple[str, ...] = (),
) -> Iterator[Row]:
    """Yield the typed rows of a CSV export of `spec`.

    Raises an IngestionError subclass naming the file, line and column for an empty
    file, another delimiter, a missing required column, an unknown column the spec
    rejects, a row with the wrong number of fields, a truncated last row or a value that
    does not parse. Columns starting with a `tolerated_prefixes` entry count as schema
    drift even for a spec that rejects unknown columns.
    """
    path = stream.path
    reader = csv.reader(iter_text_lines(stream, encoding), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise MalformedRowError(path, f"invalid CSV header: {error}", line=1) from None
    if header is None:
        raise EmptyFileError(
            path,
            "empty file (0 bytes): a CSV export has at least a header row",
            line=None,
            hint="re-run the export; the file was probably cut off before anything was written",
        )

    _check_delimiter(path, header, 1)
    fields = _plan_fields(path, spec, header, report, converter_for, tolerated_prefixes)
    fast_row = compile_csv_row(fields)
    width = len(header)
    table = spec.table

    row_count = 0
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader, None)
        except csv.Error as error:
            raise _csv_error(path, line, reader, error) from None
        if record is None:
            break
        if not record:
            continue  # a blank line

        if len(record) != width:
            _raise_width_error(path, line, record, width, header, reader)

        values = None
        joined = "".join(record)
        if "\\" not in joined and joined.isprintable():
            try:
                values = fast_row(record)
            except ValueError:
                values = None
        if values is None:
            values = _convert_row(path, line, record, fields)
        row_count += 1
        report.count(table)
        yield table, line, values

    if row_count == 0 and requires_rows(spec):
        raise EmptyFileError(
            path,
            f"no rows: the file has a header but {spec.source} {spec.name} requires rows",
            line=1,
            hint="re-run the export; this object is never empty in a working system",
        )


def _convert_row(path, line: int, record: list[str], fields: list[_Field]) -> list[str]:
    values: list[str] = []
    append = values.append
    field = None
    try:
        for field in fields:
            index = field.header_index
            if index is None:
                append(NULL)
                continue
            raw = record[index]
            if raw == "":
                if field.primary_key:
                    raise InvalidValue(
                        "empty value in a primary key column", "every row needs its key"
                    )
                append(NULL)
            elif field.currency_index is None:
                append(field.convert(raw))
            else:
                currency = record[field.currency_index] if field.currency_index >= 0 else None
                append(convert_money(raw, currency))
    except InvalidValue as error:
        raise InvalidValueError(
            path, error.message, line=line, column=field.name, hint=error.hint
        ) from None
    return values


def _plan_fields(
    path,
    spec: ObjectSpec,
    header: list[str],
    report: ParseReport,
    converter_for: ConverterFactory,
    tolerated_prefixes: tuple[str, ...],
) -> list[_Field]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower()
        if key in positions:
            raise MalformedRowError(
                path,
                f"duplicate column {name!r} in the header",
                line=1,
                column=name,
                hint="remove one of the two columns from the export",
            )
        positions[key] = index

    known: set[str] = set()
    indexes: dict[str, int | None] = {}
    for column in spec.columns:
        known.update(source.lower() for source in column.source)
        index = next((positions[s.lower()] for s in column.source if s.lower() in positions), None)
        if index is None and column.required:
            raise MissingColumnError(
                path,
                f"missing required column {column.source[0]!r} (table column {column.name})",
                line=1,
                column=column.source[0],
                hint=f"add the column to the {spec.source} export of {spec.name}",
            )
        if index is None:
            report.missing_columns.append(column.source[0])
        indexes[column.name] = index

    for name in header:
        if name.strip().lower() in known:
            continue
        if spec.unknown_columns == "reject" and not name.startswith(tolerated_prefixes):
            raise UnknownColumnError(
                path,
                f"unknown column {name!r}: {spec.qualified_table} accepts only its spec's columns",
                line=1,
                column=name,
                hint="remove the column from the export, or add it to the object's spec",
            )
        report.unknown_columns.append(name)

    primary_key = set(spec.primary_key)
    fields = []
    for column in spec.columns:
        currency_index = None
        if column.kind == "money":
            currency_index = -1
            if column.currency_column is not None:
                found = indexes.get(column.currency_column)
                currency_index = -1 if found is None else found
        fields.append(
            _Field(
                column.name,
                column.kind,
                indexes[column.name],
                converter_for(column),
                column.name in primary_key,
                currency_index,
            )
        )
    return fields


def _check_delimiter(path, record: list[str], line: int) -> None:
    if len(record) != 1:
        return
    for delimiter, name in OTHER_DELIMITERS.items():
        if delimiter in record[0]:
            raise DelimiterError(
                path,
                f"the file is separated by {name}s ({delimiter!r}), not commas",
                line=line,
                hint="re-export the file as comma-separated CSV",
            )


def _raise_width_error(path, line, record, width, header, reader) -> None:
    _check_delimiter(path, record, line)
    try:
        is_last = next(reader, None) is None
    except csv.Error:
        is_last = False

    column = header[len(record)] if len(record) < width else None
    message = f"expected {width} fields as in the header, found {len(record)}"
    if is_last and len(record) < width:
        raise TruncatedFileError(
            path,
            f"truncated last row: {message}",
            line=line,
            column=column,
            hint="the export was cut off; re-run it and drop the complete file",
        )
    raise MalformedRowError(
        path,
        message,
        line=line,
        column=column,
        hint="quote values that contain commas, and check the row in the source system",
    )


def _csv_error(path, line: int, reader, error: csv.Error):
    text = str(error)
    if "unexpected end of data" in text:
        return TruncatedFileError(
            path,
            "unterminated quoted field at the end of the file",
            line=line,
            hint="the export was cut off; re-run it and drop the complete file",
        )
    return MalformedRowError(
        path,
        f"invalid CSV: {text}",
        line=reader.line_num or line,
        hint="check the quoting of this row",
    )

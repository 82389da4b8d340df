"""Stripe adapter: API objects as JSON Lines, one object per line.

Each column reads a dotted path into the object; when a column lists several paths
(Stripe moved fields between API versions), the first path with a non-null value wins.
Paths starting with `__parent__.` read the parent object of a child row. The whole object
is kept in `_record`, so JSON fields outside the spec are never lost and are not schema
drift. Nested lists (invoice lines, credit note lines, subscription items) become rows
of their child tables with their parent's id, and with their item in `_record` when the
child spec keeps it.

Rows are converted by a function generated per spec (see `fastpath`); a row it does not
accept goes through the general per-field code below, which raises the precise error.

Amounts of kind `minor_money` must be JSON integers in the currency's minor unit and are
converted with the currency's ISO 4217 exponent (1000 usd is 10.00, 1000 jpy is 1000). A
currency code that is not an ISO 4217 currency, such as the placeholder `"currency"` of
Stripe's API fixtures, is an invalid value of the currency column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson

from orchestration.ingestion.adapters.base import ParseReport, Row, requires_rows
from orchestration.ingestion.adapters.fastpath import NEEDS_COPY_ESCAPE, compile_json_row
from orchestration.ingestion.convert import (
    JSON_CONVERTERS,
    NULL,
    InvalidValue,
    JsonConverter,
    convert_minor_money,
    escape_text,
    exponent_for,
    json_minor_amount,
    json_text,
)
from orchestration.ingestion.errors import (
    EmptyFileError,
    EncodingError,
    InvalidValueError,
    MalformedRowError,
    MissingColumnError,
    TruncatedFileError,
)
from orchestration.ingestion.objects import ChildSpec, Column, ObjectSpec
from orchestration.ingestion.reading import (
    DEFAULT_ENCODING,
    FileStream,
    iter_byte_lines,
)

PARENT_PREFIX = "__parent__"

# What a generated row function may raise for a value it cannot convert; the row is
# then converted again by the general code, which reports the error precisely.
FAST_PATH_ERRORS = (ValueError, OverflowError, OSError)

Getter = Callable[[dict, dict | None], object]


@dataclass(frozen=True)
class _Field:
    """How one table column is filled from a JSON object."""

    name: str
    path: str
    get: Getter
    convert: JsonConverter
    required: bool
    # Position of the currency field for a minor_money column.
    currency_index: int | None


@dataclass(frozen=True)
class _Plan:
    fields: tuple[_Field, ...]
    id_index: int
    # Per field: the key for a plain top-level field (read with dict.get, the fast path),
    # or None and the compiled getter for a dotted or parent path.
    getters: tuple[tuple[str | None, Getter], ...]


def compile_getter(paths: tuple[str, ...]) -> Getter:
    """Build a function returning the first non-null value among dotted `paths`."""
    compiled = []
    for path in paths:
        parts = path.split(".")
        from_parent = parts[0] == PARENT_PREFIX
        compiled.append((from_parent, tuple(parts[1:] if from_parent else parts)))

    if len(compiled) == 1 and not compiled[0][0] and len(compiled[0][1]) == 1:
        key = compiled[0][1][0]
        return lambda obj, parent: obj.get(key)

    def get(obj: dict, parent: dict | None) -> object:
        for from_parent, parts in compiled:
            node: object = parent if from_parent else obj
            for part in parts:
                if not isinstance(node, dict):
                    node = None
                    break
                node = node.get(part)
            if node is not None:
                return node
        return None

    return get


def convert_currency(value: object) -> str:
    """Convert a currency code, rejecting codes that are not ISO 4217 currencies."""
    text = json_text(value)
    exponent_for(text)
    return text


def _plan(columns: tuple[Column, ...]) -> _Plan:
    names = [column.name for column in columns]
    currency_columns = {c.currency_column for c in columns if c.kind == "minor_money"}
    fields = []
    for column in columns:
        if column.kind == "minor_money":
            if column.currency_column not in names:
                raise ValueError(f"Column {column.name} names no currency column of its table.")
            convert = JSON_CONVERTERS["text"]
            currency_index = names.index(column.currency_column)
        elif column.kind == "money":
            raise ValueError(f"Column {column.name}: Stripe objects carry minor units only.")
        else:
            convert = JSON_CONVERTERS[column.kind]
            if column.name in currency_columns:
                convert = convert_currency
            currency_index = None
        fields.append(
            _Field(
                column.name,
                column.source[0],
                compile_getter(column.source),
                convert,
                column.required,
                currency_index,
            )
        )
    getters = tuple(
        (column.source[0] if _is_plain_key(column.source) else None, field.get)
        for column, field in zip(columns, fields, strict=True)
    )
    return _Plan(tuple(fields), names.index("id") if "id" in names else 0, getters)


def _is_plain_key(paths: tuple[str, ...]) -> bool:
    return len(paths) == 1 and "." not in paths[0]


def parse_jsonl(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    *,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Row]:
    """Yield the rows of a JSON Lines export of `spec` and of its child tables.

    Each parent row is followed by its child rows. Raises an IngestionError subclass
    naming the file, the line of the object and the field for invalid JSON, a truncated
    last line, invalid bytes, an object of another type, a missing required field or a
    value that does not fit its column.
    """
    path = stream.path
    plan = _plan(spec.columns)
    fast_row = compile_json_row(spec.columns, with_parent_id=False)
    children = [_ChildPlan.build(child) for child in spec.children]
    table = spec.table
    is_utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")

    row_count = 0
    line_number = 0
    for raw_line, offset in iter_byte_lines(stream):
        line_number += 1
        if line_number == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
            raw_line = raw_line[3:]
            offset += 3
        if not raw_line.strip():
            continue

        obj, text = _decode_line(path, raw_line, offset, line_number, encoding, is_utf8)
        kind = obj.get("object")
        if kind is not None and kind != spec.name:
            raise MalformedRowError(
                path,
                f"object of type {kind!r} in a file of {spec.name} objects",
                line=line_number,
                column="object",
                hint=f"put {kind} objects in their own file",
            )

        clean = NEEDS_COPY_ESCAPE.search(raw_line) is None
        values = None
        if clean:
            try:
                values = fast_row(obj, None)
            except FAST_PATH_ERRORS:
                values = None
        if values is None:
            values = _convert(path, line_number, obj, None, plan, "")
        values.append(_record_text(path, line_number, text))
        row_count += 1
        report.count(table)
        yield table, line_number, values

        parent_id = values[plan.id_index]
        for child_plan in children:
            yield from _child_rows(path, line_number, obj, parent_id, child_plan, clean, report)

    if row_count == 0 and requires_rows(spec):
        message = "empty file (0 bytes)" if stream.byte_size == 0 else "no objects in the file"
        raise EmptyFileError(
            path,
            f"{message}: {spec.source} {spec.name} requires rows",
            hint="re-run the export; this object is never empty in a working account",
        )


def _decode_line(path, raw_line: bytes, offset: int, line: int, encoding: str, is_utf8: bool):
    try:
        if is_utf8:
            obj = orjson.loads(raw_line)
            text = raw_line.decode()
        else:
            text = raw_line.decode(encoding)
            obj = orjson.loads(text)
    except UnicodeDecodeError as error:
        raise _encoding_error(path, line, offset, error, encoding) from None
    except orjson.JSONDecodeError as error:
        if is_utf8:
            try:
                raw_line.decode()
            except UnicodeDecodeError as decode_error:
                raise _encoding_error(path, line, offset, decode_error, encoding) from None
        if not raw_line.endswith(b"\n"):
            raise TruncatedFileError(
                path,
                f"truncated last line: invalid JSON ({error.msg}) and no line ending",
                line=line,
                hint="the export was cut off; re-run it and drop the complete file",
            ) from None
        raise MalformedRowError(
            path,
            f"invalid JSON: {error.msg} at character {error.pos + 1}",
            line=line,
            hint="each line must be one complete JSON object",
        ) from None

    if not isinstance(obj, dict):
        raise MalformedRowError(
            path,
            f"expected a JSON object, found {type(obj).__name__}",
            line=line,
            hint="each line must be one JSON object",
        )
    return obj, text


def _encoding_error(path, line: int, offset: int, error: UnicodeDecodeError, encoding: str):
    position = offset + error.start
    return EncodingError(
        path,
        f"invalid {encoding} at byte offset {position}: {error.reason}",
        line=line,
        byte_offset=position,
        hint="re-export the file as UTF-8, or pass the file's real encoding",
    )


def _record_text(path, line: int, text: str) -> str:
    text = text.rstrip("\r\n")
    if "\\u0000" in text:
        raise InvalidValueError(
            path,
            "the object contains \\u0000, which PostgreSQL jsonb cannot store",
            line=line,
            hint="remove the NUL character in Stripe or in the export",
        )
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\r", "\\r")
    return text


def _convert(path, line: int, obj: dict, parent: dict | None, plan: _Plan, prefix: str):
    raws = [obj.get(key) if key is not None else get(obj, parent) for key, get in plan.getters]
    values: list[str] = []
    append = values.append
    field = None
    try:
        for field, raw in zip(plan.fields, raws, strict=False):
            if raw is None:
                if field.required:
                    raise MissingColumnError(
                        path,
                        f"missing required field {prefix + field.path!r}",
                        line=line,
                        column=prefix + field.path,
                        hint="every object of this kind needs the field; check the export",
                    )
                append(NULL)
            elif field.currency_index is None:
                append(field.convert(raw))
            else:
                currency = raws[field.currency_index]
                if not isinstance(currency, str):
                    raise InvalidValue(
                        "amount has no currency", "the object needs a currency for its amounts"
                    )
                append(convert_minor_money(json_minor_amount(raw), currency))
    except InvalidValue as error:
        raise InvalidValueError(
            path, error.message, line=line, column=prefix + field.path, hint=error.hint
        ) from None
    return values


@dataclass(frozen=True)
class _ChildPlan:
    spec: ChildSpec
    plan: _Plan
    fast_row: Callable[[dict, dict, str], list[str] | None]
    get_items: Getter
    # The object holding the list, whose `has_more` tells whether items are missing.
    get_container: Getter

    @classmethod
    def build(cls, child: ChildSpec) -> _ChildPlan:
        return cls(
            child,
            _plan(child.columns),
            compile_json_row(child.columns, with_parent_id=True),
            compile_getter((child.path,)),
            compile_getter((child.path.rsplit(".", 1)[0],)),
        )


def _child_rows(
    path,
    line: int,
    obj: dict,
    parent_id: str,
    child_plan: _ChildPlan,
    clean: bool,
    report: ParseReport,
) -> Iterator[Row]:
    child = child_plan.spec
    items = child_plan.get_items(obj, None)
    if items is None:
        return
    if not isinstance(items, list):
        raise InvalidValueError(
            path,
            f"expected a list at {child.path!r}, found {type(items).__name__}",
            line=line,
            column=child.path,
        )

    container = child_plan.get_container(obj, None)
    if isinstance(container, dict) and container.get("has_more") is True:
        report.incomplete_child_lists += 1

    fast_row = child_plan.fast_row
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            prefix = f"{child.path}[{index}]"
            raise InvalidValueError(path, "expected a JSON object", line=line, column=prefix)
        values = None
        if clean:
            try:
                values = fast_row(item, obj, parent_id)
            except FAST_PATH_ERRORS:
                values = None
        if values is None:
            prefix = f"{child.path}[{index}]."
            values = [parent_id, *_convert(path, line, item, obj, child_plan.plan, prefix)]
        if child.keeps_record:
            values.append(escape_text(orjson.dumps(item).decode()))
        report.count(child.table)
        yield child.table, line, values

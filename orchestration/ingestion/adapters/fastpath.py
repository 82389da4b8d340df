"""Row functions generated per object spec: the fast path of the adapters.

An adapter converts each row with a function generated from its spec's columns, one
straight block of code per column with no per-field dispatch. The generated function
accepts only the common, valid shape of a value (a JSON string for a text column, a
JSON integer in a known currency for a minor-unit amount, ...) and returns None for
anything else. The adapter then converts the same row again with its general per-field
code, which either raises the precise error naming the line and column or returns the
values of the unusual but valid row. Both paths therefore give the same values and the
same errors; the fast one only skips work on rows that need none of it.

JSON rows take the fast path only when their line has no escape sequence that decodes to
a character COPY must escape (backslash, tab, newline, carriage return, NUL), so its
strings need no escaping. CSV records take it only when none of their fields contains
such a character.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from orchestration.ingestion.convert import (
    BIGINT_MAX,
    BIGINT_MIN,
    CURRENCY_EXPONENTS_BY_CODE,
    JSON_CONVERTERS,
    NULL,
    convert_integer,
    convert_money,
    epoch_to_iso,
    escape_text,
    minor_to_major,
)
from orchestration.ingestion.objects import Column

# JSON escapes that decode to backslash (\\, \u005c), tab, newline, carriage return or
# another control character (\u0000 to \u001f). A line without them has strings that
# need no COPY escaping. Other escapes (\", \/, \b, \f, \u00e9, ...) are harmless.
NEEDS_COPY_ESCAPE = re.compile(rb"\\(?:[\\tnr]|u00(?:[01]|5[cC]))")

PARENT_PREFIX = "__parent__"

JsonRow = Callable[..., "list[str] | None"]


def compile_json_row(columns: tuple[Column, ...], *, with_parent_id: bool) -> JsonRow:
    """Generate `row(obj, parent[, parent_id])` returning the COPY fields, or None.

    The fields are those of the general converter in the Stripe adapter, in column
    order, preceded by `parent_id` when `with_parent_id` is set. The function may raise
    ValueError (InvalidValue included), OverflowError or OSError for a value it cannot
    convert; callers treat that like None.
    """
    names = [column.name for column in columns]
    currency_columns = {c.currency_column for c in columns if c.kind == "minor_money"}
    namespace: dict[str, object] = {
        "NULL": NULL,
        "EXPONENTS": CURRENCY_EXPONENTS_BY_CODE,
        "epoch_to_iso": epoch_to_iso,
        "minor_to_major": minor_to_major,
        "BIGINT_MIN": BIGINT_MIN,
        "BIGINT_MAX": BIGINT_MAX,
    }
    body: list[str] = []
    for index, column in enumerate(columns):
        body += _read_paths(f"r{index}", column.source)

    # The exponent of each currency column, from its raw value, for the amounts in it.
    for name in sorted(n for n in currency_columns if n in names):
        index = names.index(name)
        body.append(f"e{index} = EXPONENTS.get(r{index}) if type(r{index}) is str else None")

    outputs = []
    for index, column in enumerate(columns):
        raw, out = f"r{index}", f"o{index}"
        outputs.append(out)
        missing = "return None" if column.required else f"{out} = NULL"
        body.append(f"if {raw} is None:")
        body.append(f"    {missing}")
        if column.kind == "minor_money":
            exponent = f"e{names.index(column.currency_column)}"
            body.append(f"elif type({raw}) is int and {exponent} is not None:")
            body.append(f"    {out} = minor_to_major({raw}, {exponent})")
        elif column.name in currency_columns:
            body.append(f"elif e{index} is not None:")
            body.append(f"    {out} = {raw}")
        elif column.kind == "text":
            body.append(f"elif type({raw}) is str:")
            body.append(f"    {out} = {raw}")
        elif column.kind == "integer":
            body.append(f"elif type({raw}) is int and BIGINT_MIN <= {raw} <= BIGINT_MAX:")
            body.append(f"    {out} = str({raw})")
        elif column.kind == "boolean":
            body.append(f"elif {raw} is True:")
            body.append(f"    {out} = 't'")
            body.append(f"elif {raw} is False:")
            body.append(f"    {out} = 'f'")
        elif column.kind == "unix_timestamp":
            body.append(f"elif type({raw}) is int:")
            body.append(f"    {out} = epoch_to_iso({raw})")
        elif column.kind == "decimal":
            body.append(f"elif type({raw}) is int:")
            body.append(f"    {out} = str({raw})")
            # A finite float; x - x is NaN for infinities and NaN.
            body.append(f"elif type({raw}) is float and {raw} - {raw} == 0:")
            body.append(f"    {out} = repr({raw})")
        else:
            # Kinds read from strings or serialized whole: the general converter is the
            # fast path too, and raises InvalidValue for a value it rejects.
            converter = f"convert_{index}"
            namespace[converter] = JSON_CONVERTERS[column.kind]
            body.append("else:")
            body.append(f"    {out} = {converter}({raw})")
            continue
        body.append("else:")
        body.append("    return None")

    fields = ", ".join(outputs)
    if with_parent_id:
        signature = "def row(obj, parent, parent_id):"
        body.append(f"return [parent_id, {fields}]")
    else:
        signature = "def row(obj, parent):"
        body.append(f"return [{fields}]")
    return _define(signature, body, namespace)


def _define(signature: str, body: list[str], namespace: dict[str, object]):
    """Compile the generated function; its text is kept as `source` for debugging.

    The text comes from the spec's columns only: paths and names enter it through
    repr(), so no file content can reach it.
    """
    source = "\n".join([signature, *("    " + line for line in body)])
    exec(compile(source, "<generated row function>", "exec"), namespace)
    function = namespace["row"]
    function.source = source
    return function


def _read_paths(target: str, paths: tuple[str, ...]) -> list[str]:
    """Return lines that set `target` to the first non-null value among dotted `paths`."""
    lines = []
    for number, path in enumerate(paths):
        parts = path.split(".")
        root = "obj"
        if parts[0] == PARENT_PREFIX:
            root = "parent"
            parts = parts[1:]
        indent = "    " if number else ""
        if number:
            lines.append(f"if {target} is None:")
        first, *rest = parts
        if root == "obj":
            lines.append(f"{indent}{target} = obj.get({first!r})")
        else:
            lines.append(
                f"{indent}{target} = parent.get({first!r}) if type(parent) is dict else None"
            )
        for part in rest:
            lines.append(
                f"{indent}{target} = {target}.get({part!r}) if type({target}) is dict else None"
            )
    return lines


# Per column, the most distinct values whose conversion is remembered (booleans, dates,
# timestamps: exports repeat them often).
MEMO_SIZE = 4096

_MEMOIZED_KINDS = frozenset({"boolean", "date", "timestamp"})


def compile_csv_row(fields) -> Callable[[list[str]], list[str] | None]:
    """Generate `row(record)` returning the COPY fields of a CSV record, or None.

    `fields` are the CSV adapter's column plans (name, kind, header_index, convert,
    primary_key, currency_index). The function expects a record whose text needs no COPY
    escaping and whose length matches the header. It may raise ValueError (InvalidValue
    included) for a value it cannot convert; callers treat that like None.
    """
    namespace: dict[str, object] = {
        "NULL": NULL,
        "escape_text": escape_text,
        "convert_integer": convert_integer,
        "convert_money": convert_money,
        "MEMO_SIZE": MEMO_SIZE,
    }
    body: list[str] = []
    outputs = []
    for index, field in enumerate(fields):
        out = f"o{index}"
        if field.header_index is None:
            outputs.append("NULL")
            continue
        outputs.append(out)
        body.append(f"{out} = record[{field.header_index}]")
        body.append(f'if {out} == "":')
        body.append("    return None" if field.primary_key else f"    {out} = NULL")
        if field.currency_index is not None:
            currency = f"record[{field.currency_index}]" if field.currency_index >= 0 else "None"
            body.append("else:")
            body.append(f"    {out} = convert_money({out}, {currency})")
        elif field.convert is escape_text:
            continue
        elif field.convert is convert_integer:
            # Plain ASCII digits that fit in 64 bits are already valid COPY text.
            body.append(f"elif not ({out}.isdigit() and {out}.isascii() and len({out}) < 19):")
            body.append(f"    {out} = convert_integer({out})")
        elif field.kind in _MEMOIZED_KINDS:
            converter, memo = f"convert_{index}", f"memo_{index}"
            namespace[converter] = field.convert
            namespace[memo] = {}
            body.append("else:")
            body.append(f"    converted = {memo}.get({out})")
            body.append("    if converted is None:")
            body.append(f"        converted = {converter}({out})")
            body.append(f"        if len({memo}) < MEMO_SIZE:")
            body.append(f"            {memo}[{out}] = converted")
            body.append(f"    {out} = converted")
        else:
            converter = f"convert_{index}"
            namespace[converter] = field.convert
            body.append("else:")
            body.append(f"    {out} = {converter}({out})")
    body.append(f"return [{', '.join(outputs)}]")
    return _define("def row(record):", body, namespace)

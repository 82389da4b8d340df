"""Value converters: one per column kind, turning a file's value into a COPY text field.

Converters return the field exactly as PostgreSQL's COPY text format expects it: the
backslash, tab, newline and carriage return of text values are escaped, and NULL is
`NULL` (the two characters backslash and N). A value that does not fit its kind raises
`InvalidValue` with a message and a hint; the adapter adds the file, line and column.

CSV converters take the text of a field. JSON converters take what `orjson` returns:
str, int, float, bool, None, dict or list. Money is never a float: minor units must be
JSON integers, and major-unit amounts are checked as decimal strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

import orjson

from orchestration.ingestion.currencies import (
    CURRENCY_EXPONENTS,
    DEFAULT_EXPONENT,
    currency_exponent,
)

NULL = "\\N"

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1

_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r\x00]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MONEY = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?")
_DATE_WITH_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]0?0:00(?::00(?:\.0+)?)?")
# Fivetran writes NetSuite times without a leading zero on the hour: 2017-05-21 1:41:07.
_LOOSE_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?")

TextConverter = Callable[[str], str]
JsonConverter = Callable[[object], str]


class InvalidValue(ValueError):
    """A value that does not parse as its column's kind."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


# --- text fields ------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Escape a string for the COPY text format.

    Raises InvalidValue for a NUL character, which PostgreSQL text cannot store.
    """
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    if "\x00" in value:
        raise InvalidValue(
            "contains a NUL character (U+0000), which PostgreSQL text cannot store",
            "remove the character in the source system or the export",
        )
    return value.translate(_ESCAPES)


def convert_integer(value: str) -> str:
    if _INTEGER.fullmatch(value) is None:
        raise InvalidValue(f"invalid integer {_show(value)}", "expected a whole number such as 42")
    if len(value) > 18 and not BIGINT_MIN <= int(value) <= BIGINT_MAX:
        raise InvalidValue(
            f"integer {value} is out of range", "expected a value that fits in 64 bits"
        )
    return value


def convert_decimal(value: str) -> str:
    if _DECIMAL.fullmatch(value) is None:
        raise InvalidValue(f"invalid number {_show(value)}", "expected a decimal such as 12.5")
    return value


def convert_date(value: str) -> str:
    if len(value) == 10 and value[4] == "-":
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    else:
        # NetSuite exports through Fivetran carry dates as midnight timestamps.
        match = _DATE_WITH_TIME.fullmatch(value)
        if match is not None:
            return convert_date(match.group(1))
    raise InvalidValue(f"invalid date {_show(value)}", "expected YYYY-MM-DD, such as 2026-01-31")


def convert_timestamp(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_loose_timestamp(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def _parse_loose_timestamp(value: str) -> datetime:
    match = _LOOSE_TIMESTAMP.fullmatch(value)
    if match is not None:
        year, month, day, hour, minute, second, fraction = match.groups()
        try:
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second or 0),
                round(float(fraction) * 1_000_000) if fraction else 0,
            )
        except ValueError:
            pass
    raise InvalidValue(
        f"invalid timestamp {_show(value)}",
        "expected ISO 8601 such as 2026-01-31T08:15:00Z; a time without an offset is read as UTC",
    )


def boolean_converter(true_values: frozenset[str], false_values: frozenset[str]) -> TextConverter:
    """Build a converter for a vendor's boolean spelling, compared case-insensitively."""
    expected = "/".join(sorted(true_values | false_values))

    def convert(value: str) -> str:
        folded = value.lower()
        if folded in true_values:
            return "t"
        if folded in false_values:
            return "f"
        raise InvalidValue(f"invalid boolean {_show(value)}", f"expected one of {expected}")

    return convert


def convert_money(value: str, currency: str | None) -> str:
    """Check a major-unit amount against its currency's decimals and return it unchanged.

    Trailing zeros do not count, so 10.50 USD and 10.500 USD are both accepted. An empty
    or missing currency allows two decimals.
    """
    match = _MONEY.fullmatch(value)
    if match is None or not (match.group(2) or match.group(3)):
        raise InvalidValue(f"invalid amount {_show(value)}", "expected a decimal such as 1250.00")

    decimals = len((match.group(3) or "").rstrip("0"))
    exponent = exponent_for(currency) if currency else DEFAULT_EXPONENT
    if decimals > exponent:
        label = currency.upper() if currency else "amounts without a currency"
        raise InvalidValue(
            f"amount {value} has {decimals} decimals but {label} allows {exponent}",
            "check the currency column and the export's number format",
        )
    return value


def exponent_for(currency: str) -> int:
    """Return the ISO 4217 exponent of `currency`, or raise InvalidValue naming it."""
    try:
        return currency_exponent(currency)
    except KeyError:
        raise InvalidValue(
            f"unknown currency code {_show(currency)}",
            "expected an ISO 4217 code with minor units such as usd, eur or jpy",
        ) from None


# Exact-spelling lookups ("usd", "USD") that skip the upper-casing of currency_exponent.
CURRENCY_EXPONENTS_BY_CODE = {
    **CURRENCY_EXPONENTS,
    **{code.lower(): exponent for code, exponent in CURRENCY_EXPONENTS.items()},
}


def convert_minor_money(amount: int, currency: str | None) -> str:
    """Convert an integer amount in minor units to a decimal string in major units."""
    if currency is None:
        raise InvalidValue(
            f"amount {amount} has no currency", "the object needs a currency for its amounts"
        )
    exponent = CURRENCY_EXPONENTS_BY_CODE.get(currency)
    if exponent is None:
        exponent = exponent_for(currency)
    return minor_to_major(amount, exponent)


def minor_to_major(amount: int, exponent: int) -> str:
    """Format an integer amount in minor units as a decimal string in major units."""
    if exponent == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    units, minor = divmod(abs(amount), 10**exponent)
    return f"{sign}{units}.{minor:0{exponent}d}"


# --- JSON values ------------------------------------------------------------------


def json_text(value: object) -> str:
    if type(value) is str:
        return value if _NEEDS_ESCAPE.search(value) is None else escape_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        # An expanded Stripe reference: keep its id, as the unexpanded field would.
        return escape_text(value["id"])
    raise InvalidValue(
        f"expected a string, found {type(value).__name__} {_show(value)}",
        "check the export's field mapping",
    )


def json_integer(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return convert_integer(str(value))
    if isinstance(value, str):
        return convert_integer(value)
    raise InvalidValue(
        f"expected an integer, found {type(value).__name__} {_show(value)}",
        "expected a whole number such as 42",
    )


def json_decimal(value: object) -> str:
    if isinstance(value, bool):
        raise InvalidValue(f"expected a number, found {value}", "expected a decimal such as 12.5")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidValue(f"invalid number {value}", "expected a finite decimal")
        return repr(value)
    if isinstance(value, str):
        return convert_decimal(value)
    raise InvalidValue(
        f"expected a number, found {type(value).__name__} {_show(value)}",
        "expected a decimal such as 12.5",
    )


def json_boolean(value: object) -> str:
    if value is True:
        return "t"
    if value is False:
        return "f"
    raise InvalidValue(f"expected true or false, found {_show(value)}", "use a JSON boolean")


@lru_cache(maxsize=65536)
def epoch_to_iso(seconds: int) -> str:
    """Return Unix time `seconds` as an ISO 8601 UTC timestamp; cached, as values repeat."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def json_unix_timestamp(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return epoch_to_iso(value)
        except (OverflowError, OSError, ValueError):
            raise InvalidValue(
                f"Unix timestamp {value} is out of range", "expected seconds since 1970-01-01"
            ) from None
    raise InvalidValue(
        f"expected a Unix timestamp in seconds, found {type(value).__name__} {_show(value)}",
        "expected an integer such as 1767225600",
    )


def json_json(value: object) -> str:
    return escape_text(orjson.dumps(value).decode())


def json_string_or(converter: TextConverter, label: str) -> JsonConverter:
    """Build a JSON converter that reads a kind written as a string (dates, timestamps)."""

    def convert(value: object) -> str:
        if isinstance(value, str):
            return converter(value)
        raise InvalidValue(
            f"expected a {label} string, found {type(value).__name__} {_show(value)}",
            "write the value as an ISO 8601 string",
        )

    return convert


def json_money_text(value: object) -> str:
    """Return a major-unit JSON amount as text, for `convert_money` to check."""
    if isinstance(value, bool):
        raise InvalidValue(f"expected an amount, found {value}", "expected a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # NOTE: orjson reads 10.10 as a binary float; repr gives back the shortest text
        # that reads as the same float, which is the number as the file wrote it.
        return repr(value)
    if isinstance(value, str):
        return value
    raise InvalidValue(
        f"expected an amount, found {type(value).__name__} {_show(value)}", "expected a number"
    )


def json_minor_amount(value: object) -> int:
    """Return a minor-unit amount, which must be a JSON integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise InvalidValue(
        f"expected an integer amount in minor units, found {type(value).__name__} {_show(value)}",
        "Stripe amounts are integers such as 1000 for 10.00 USD",
    )


TEXT_CONVERTERS: dict[str, TextConverter] = {
    "text": escape_text,
    "integer": convert_integer,
    "decimal": convert_decimal,
    "date": convert_date,
    "timestamp": convert_timestamp,
    "json": escape_text,
    # Money columns are converted with their row's currency; this covers a money column
    # whose file has no currency column.
    "money": lambda value: convert_money(value, None),
}

JSON_CONVERTERS: dict[str, JsonConverter] = {
    "text": json_text,
    "integer": json_integer,
    "decimal": json_decimal,
    "boolean": json_boolean,
    "date": json_string_or(convert_date, "date"),
    "timestamp": json_string_or(convert_timestamp, "timestamp"),
    "unix_timestamp": json_unix_timestamp,
    "json": json_json,
}

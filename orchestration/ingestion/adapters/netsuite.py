"""NetSuite adapter: SuiteQL and saved-search CSV exports.

Headers are SuiteQL field names in lower case. Booleans are `T`/`F`; exports made by
Fivetran's NetSuite connector write `TRUE`/`FALSE` and dates as `YYYY-MM-DD H:MM:SS`,
which are accepted too. Fivetran's bookkeeping columns (`_fivetran_synced`,
`_fivetran_deleted`, ...) are always tolerated and reported as schema drift.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestration.ingestion.adapters.base import ParseReport, Row
from orchestration.ingestion.adapters.delimited import parse_csv
from orchestration.ingestion.convert import TEXT_CONVERTERS, TextConverter, boolean_converter
from orchestration.ingestion.objects import Column, ObjectSpec
from orchestration.ingestion.reading import DEFAULT_ENCODING, FileStream

convert_boolean = boolean_converter(frozenset({"t", "true"}), frozenset({"f", "false"}))

FIVETRAN_PREFIX = "_fivetran_"


def converter_for(column: Column) -> TextConverter:
    """Return the CSV converter of a NetSuite column."""
    if column.kind == "boolean":
        return convert_boolean
    return TEXT_CONVERTERS[column.kind]


def parse_suiteql_csv(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    *,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Row]:
    """Yield the rows of a SuiteQL or saved-search CSV export."""
    return parse_csv(
        stream,
        spec,
        report,
        converter_for,
        encoding=encoding,
        tolerated_prefixes=(FIVETRAN_PREFIX,),
    )

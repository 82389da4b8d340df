"""Vendor adapters: pure functions from an export file to typed rows, one module per vendor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from orchestration.ingestion.adapters import netsuite, salesforce, stripe
from orchestration.ingestion.adapters.base import ParseReport, Row
from orchestration.ingestion.objects import NETSUITE, SALESFORCE, STRIPE, ObjectSpec
from orchestration.ingestion.reading import DEFAULT_ENCODING, FileStream

_PARSERS = {
    (SALESFORCE, "csv"): salesforce.parse_data_loader_csv,
    (SALESFORCE, "sobject_tree"): salesforce.parse_sobject_tree,
    (STRIPE, "jsonl"): stripe.parse_jsonl,
    (NETSUITE, "csv"): netsuite.parse_suiteql_csv,
}


def parse_stream(
    stream: FileStream,
    spec: ObjectSpec,
    report: ParseReport,
    *,
    file_format: str | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Row]:
    """Yield the rows of a file of `spec` with the adapter of its source and format."""
    file_format = file_format or spec.file_format
    parser = _PARSERS.get((spec.source, file_format))
    if parser is None:
        raise ValueError(f"No adapter reads {file_format} files of {spec.source}.")
    return parser(stream, spec, report, encoding=encoding)


def read_rows(
    path: str | Path,
    spec: ObjectSpec,
    *,
    file_format: str | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> tuple[list[Row], ParseReport]:
    """Parse a whole file into a list of rows; meant for tests and small files."""
    report = ParseReport(str(path))
    with FileStream(path) as stream:
        rows = list(parse_stream(stream, spec, report, file_format=file_format, encoding=encoding))
    return rows, report


__all__ = ["ParseReport", "Row", "parse_stream", "read_rows"]

"""Time COPY of JSON Lines into a text, json and jsonb column: the cost of `_record`'s type.

Usage:
    python bench/record_type.py --input PATH/invoice.jsonl --lines 150000 --repeat 2

The first `--lines` lines of the file are copied, one line per row, into a one-column
table of each type in a throw-away database on the project's server. Types alternate
within each round, so a drifting machine affects them alike. Prints the median seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import ingestion  # noqa: E402 - bench/ is put on sys.path above

TYPES = ("text", "json", "jsonb")


def copy_seconds(url: str, path: Path, column_type: str) -> float:
    """Return the seconds COPY takes to load `path` into a new table of `column_type`."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as connection:
        table = sql.Identifier(f"record_{column_type}")
        connection.execute(sql.SQL("drop table if exists {}").format(table))
        connection.execute(sql.SQL("create table {} (line {})").format(table, sql.SQL(column_type)))
        statement = sql.SQL(
            "copy {} (line) from stdin with (format csv, quote e'\\x01', delimiter e'\\x02')"
        ).format(table)

        started = time.perf_counter()
        with connection.cursor().copy(statement) as copy, path.open("rb") as file:
            while block := file.read(1 << 20):
                copy.write(block)
        connection.commit()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", type=Path, required=True, help="a JSON Lines file")
    parser.add_argument("--lines", type=int, default=150_000, help="lines copied from the file")
    parser.add_argument("--repeat", type=int, default=2, help="runs per type; median shown")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)

    url, drop = ingestion.bench_database()
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as sample:
        with args.input.open("rb") as source:
            for _, line in zip(range(args.lines), source, strict=False):
                sample.write(line)
        sample.flush()
        size_mib = Path(sample.name).stat().st_size / 1024 / 1024

        runs: dict[str, list[float]] = {column_type: [] for column_type in TYPES}
        try:
            for _ in range(args.repeat):
                for column_type in TYPES:
                    runs[column_type].append(copy_seconds(url, Path(sample.name), column_type))
        finally:
            drop()

    rows = ["| column type | seconds median (min-max) |", "| --- | ---: |"]
    for column_type, seconds in runs.items():
        rows.append(
            f"| {column_type} | {statistics.median(seconds):.1f} "
            f"({min(seconds):.1f}-{max(seconds):.1f}) |"
        )
    table = "\n".join(rows)
    print(table)

    if not args.no_record:
        with ingestion.RESULTS.open("a") as file:
            file.write(
                f"\n## COPY into text, json and jsonb, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
                f"commit {ingestion.commit()}\n\n"
                f"- command: `python bench/record_type.py {' '.join(sys.argv[1:])}`\n"
                f"- data: the first {args.lines:,} lines of {args.input.name}, {size_mib:.0f} MiB\n"
                f"- machine: {ingestion.machine()}\n"
                f"- runs per type: {args.repeat}\n\n{table}\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

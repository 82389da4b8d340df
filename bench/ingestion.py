"""Benchmark snapshot ingestion against plain COPY and pandas.

Usage:
    python bench/ingestion.py --scale large            # the generator's set, ~1M invoices
    python bench/ingestion.py --invoices 50000         # a quick synthetic set
    python bench/ingestion.py --input DIR              # files already generated

Methods, each run in a fresh subprocess so its peak RSS is its own (the PostgreSQL
server's memory is not counted):

- `tieout`: `load_file` for every file: streaming parse, validation, typed columns,
  child tables, `_record` jsonb, manifest row, one transaction per file.
- `copy`: the lower bound. JSON Lines files go line by line, unparsed, into a one-column
  `jsonb` table (`COPY ... (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')`, so every
  line is one field taken verbatim); CSV files go into a table of `text` columns named
  from the header with `COPY ... (FORMAT csv, HEADER true)`. The file's bytes are
  streamed to the server in 1 MiB blocks; Python parses nothing.
- `pandas`: `read_csv(dtype=str)` or `read_json(lines=True)` (nested values serialized
  back to JSON text), then `DataFrame.to_sql(method="multi", chunksize=...)` through
  SQLAlchemy with `postgresql+psycopg2://`. Child tables are not extracted.

Rows per second count records in the files (CSV rows, JSON objects) for every method, so
the methods compare. tieout's child rows come on top and are shown in their own column.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

RESULTS = REPO_ROOT / "bench" / "RESULTS.md"
METHODS = ("tieout", "copy", "pandas")
PANDAS_CHUNK_ROWS = 10_000


# --- input files ------------------------------------------------------------------


def find_files(root: Path) -> list[tuple[str, Path, str]]:
    """Return (source, path, file format) of every export file under `root`."""
    from orchestration.ingestion.objects import SOURCES
    from orchestration.ingestion.snapshots import resolve_file

    found = []
    for path in sorted(root.rglob("*")):
        source = next((part for part in path.parts if part in SOURCES), None)
        if not path.is_file() or source is None:
            continue
        resolved = resolve_file(source, path.name)
        if resolved is not None:
            found.append((source, path, resolved[1]))
    return found


def write_synthetic(out_dir: Path, invoices: int) -> None:
    """Write Stripe invoices (two lines each) and NetSuite transactions for a quick run."""
    stripe = out_dir / "stripe" / "2026-12-01T06-00-00Z"
    netsuite = out_dir / "netsuite" / "2026-12-01T06-00-00Z"
    stripe.mkdir(parents=True)
    netsuite.mkdir(parents=True)
    currencies = ("usd", "eur", "jpy", "gbp")
    with (stripe / "invoice.jsonl").open("w") as file:
        for number in range(invoices):
            currency = currencies[number % 4]
            lines = [
                {
                    "id": f"il_{number}_{index}",
                    "object": "line_item",
                    "currency": currency,
                    "amount": 1000 + index,
                    "description": f"Plan {index}",
                    "quantity": 1,
                    "period": {"start": 1767225600, "end": 1769904000},
                    "pricing": {"price_details": {"price": "price_1", "product": "prod_1"}},
                }
                for index in range(2)
            ]
            invoice = {
                "id": f"in_{number}",
                "object": "invoice",
                "number": f"INV-{number:08d}",
                "customer": f"cus_{number % 5000}",
                "subscription": f"sub_{number % 8000}",
                "status": "paid",
                "currency": currency,
                "subtotal": 2001,
                "tax": 0,
                "total": 2001,
                "amount_due": 2001,
                "amount_paid": 2001,
                "amount_remaining": 0,
                "created": 1767225600 + number,
                "period_start": 1767225600,
                "period_end": 1769904000,
                "status_transitions": {"finalized_at": 1767225600, "paid_at": 1767229200},
                "metadata": {"salesforce_contract_id": "800000000000001AAA"},
                "lines": {"object": "list", "has_more": False, "data": lines},
            }
            file.write(json.dumps(invoice, separators=(",", ":")) + "\n")
    with (netsuite / "transaction.csv").open("w") as file:
        file.write("id,tranid,type,trandate,postingperiod,subsidiary,entity,currency,")
        file.write("exchangerate,foreigntotal,externalid,memo,status,voided,createddate\n")
        for number in range(invoices):
            file.write(
                f"{number + 1},INV{number},CustInvc,2026-01-{number % 28 + 1:02d},300,1,"
                f"{number % 5000},1,1.0,20.01,in_{number},Synthetic memo,B,F,"
                "2026-01-05 10:00:00\n"
            )


def generate_set(out_dir: Path, scale: str, seed: int, months: int) -> None:
    from orchestration.generator import generate  # written by the generator package

    generate(out_dir, seed, months, scale)


# --- workers, one per subprocess --------------------------------------------------


def run_worker(method: str, url: str, files: list[tuple[str, Path, str]]) -> dict:
    import psycopg

    started = time.perf_counter()
    records = 0
    child_rows = 0
    if method == "tieout":
        from orchestration.ingestion.loader import load_file
        from orchestration.ingestion.schema import ensure_raw_schema
        from orchestration.ingestion.snapshots import resolve_file

        with psycopg.connect(url, autocommit=False) as connection:
            ensure_raw_schema(connection)
            with tempfile.TemporaryDirectory() as quarantine:
                for source, path, file_format in files:
                    spec = resolve_file(source, path.name)[0]
                    result = load_file(
                        connection,
                        spec,
                        path,
                        datetime.now(UTC),
                        quarantine,
                        file_format=file_format,
                    )
                    if result.status != "loaded":
                        raise RuntimeError(f"{path}: {result.status} {result.error}")
                    records += result.row_count
                    child_rows += sum(result.child_row_counts.values())
    elif method == "copy":
        records = _copy_baseline(url, files)
    elif method == "pandas":
        records = _pandas_baseline(url, files)
    else:
        raise ValueError(f"unknown method {method!r}")

    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "method": method,
        "records": records,
        "child_rows": child_rows,
        "seconds": seconds,
        "peak_rss_mib": peak_kib / 1024,
    }


def _copy_baseline(url: str, files) -> int:
    import psycopg
    from psycopg import sql

    records = 0
    with psycopg.connect(url, autocommit=False) as connection:
        connection.execute("create schema if not exists bench_copy")
        for index, (_, path, file_format) in enumerate(files):
            table = sql.Identifier("bench_copy", f"t{index}_{path.stem}")
            if file_format == "jsonl":
                connection.execute(sql.SQL("create table {} (line jsonb)").format(table))
                statement = sql.SQL(
                    "copy {} (line) from stdin with (format csv, quote e'\\x01',"
                    " delimiter e'\\x02')"
                ).format(table)
            else:
                with path.open(newline="") as file:
                    header = file.readline().rstrip("\r\n").split(",")
                columns = sql.SQL(", ").join(
                    sql.SQL("{} text").format(sql.Identifier(name)) for name in header
                )
                connection.execute(sql.SQL("create table {} ({})").format(table, columns))
                statement = sql.SQL("copy {} from stdin with (format csv, header true)").format(
                    table
                )
            with connection.cursor() as cursor:
                with cursor.copy(statement) as copy, path.open("rb") as file:
                    while block := file.read(1 << 20):
                        copy.write(block)
                records += cursor.rowcount
        connection.commit()
    return records


def _pandas_baseline(url: str, files) -> int:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    records = 0
    with engine.begin() as connection:
        connection.exec_driver_sql("create schema if not exists bench_pandas")
    for index, (_, path, file_format) in enumerate(files):
        if file_format == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
            for column in frame.columns:
                if frame[column].map(lambda v: isinstance(v, dict | list)).any():
                    frame[column] = frame[column].map(
                        lambda v: json.dumps(v) if isinstance(v, dict | list) else v
                    )
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.to_sql(
            f"t{index}_{path.stem}",
            engine,
            schema="bench_pandas",
            index=False,
            method="multi",
            chunksize=PANDAS_CHUNK_ROWS,
        )
        records += len(frame)
    engine.dispose()
    return records


# --- driver -----------------------------------------------------------------------


def machine() -> str:
    memory_kib = 0
    with open("/proc/meminfo") as file:
        for line in file:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as file:
            cpu = next(line.split(":", 1)[1].strip() for line in file if "model name" in line)
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory_kib / 1024 / 1024:.1f} GiB memory"


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    return result.stdout.strip() or "unknown"


def bench_database():
    """Create a throw-away database on the project's server and return its URL and a drop."""
    import psycopg
    from psycopg import sql

    from orchestration.database import ensure_database
    from orchestration.settings import load_settings

    info = ensure_database(load_settings())
    name = f"tieout_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(info.libpq_url("postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("create database {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(info.libpq_url("postgres"), autocommit=True) as connection:
            connection.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )

    return info.libpq_url(name), drop


def format_table(results: list[dict], copy_rate: float) -> str:
    lines = [
        "| method | records | child rows | seconds | records/s | vs copy | peak RSS MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        rate = result["records"] / result["seconds"] if result["seconds"] else 0.0
        ratio = f"{rate / copy_rate:.2f}x" if copy_rate else "n/a"
        lines.append(
            f"| {result['method']} | {result['records']:,} | {result['child_rows']:,} | "
            f"{result['seconds']:.1f} | {rate:,.0f} | {ratio} | {result['peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", help="generator scale name, such as demo or large")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--months", type=int, default=6, help="generator months of history")
    parser.add_argument("--invoices", type=int, help="write a synthetic set of N invoices")
    parser.add_argument("--input", type=Path, help="benchmark files already generated here")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        files = find_files(args.input)
        print(json.dumps(run_worker(args.worker, args.url, files)))
        return 0

    with tempfile.TemporaryDirectory(prefix="tieout-bench-") as temporary:
        root = args.input
        if root is None:
            root = Path(temporary)
            if args.invoices:
                write_synthetic(root, args.invoices)
            else:
                generate_set(root, args.scale or "demo", args.seed, args.months)
        files = find_files(root)
        total_bytes = sum(path.stat().st_size for _, path, _ in files)
        print(f"{len(files)} files, {total_bytes / 1024 / 1024:.1f} MiB under {root}")

        url, drop = bench_database()
        results = []
        try:
            for method in args.methods.split(","):
                command = [sys.executable, __file__, "--worker", method, "--url", url]
                command += ["--input", str(root)]
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                results.append(json.loads(output.stdout.strip().splitlines()[-1]))
                print(f"{method}: {results[-1]['seconds']:.1f} s", flush=True)
        finally:
            drop()

    copy_result = next((r for r in results if r["method"] == "copy"), None)
    copy_rate = copy_result["records"] / copy_result["seconds"] if copy_result else 0.0
    table = format_table(results, copy_rate)
    print(table)

    if not args.no_record:
        source = (
            f"synthetic {args.invoices} invoices"
            if args.invoices
            else (str(args.input) if args.input else f"generator scale {args.scale or 'demo'}")
        )
        with RESULTS.open("a") as file:
            file.write(
                f"\n## Ingestion, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}\n\n"
                f"- command: `python bench/ingestion.py {' '.join(sys.argv[1:])}`\n"
                f"- data: {source}: {len(files)} files, {total_bytes / 1024 / 1024:.1f} MiB\n"
                f"- machine: {machine()}\n\n{table}\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

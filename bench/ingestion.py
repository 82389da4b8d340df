"""Benchmark snapshot ingestion against plain COPY and pandas.

Usage:
    python bench/ingestion.py --scale large            # the generator's set, ~1M invoices
    python bench/ingestion.py --invoices 50000         # a quick synthetic set
    python bench/ingestion.py --input DIR              # files already generated
    python bench/ingestion.py --input DIR --repeat 3 --methods tieout,tieout-2p,copy

Methods, each run in fresh subprocesses so their peak RSS is their own (the PostgreSQL
server's memory is not counted), each in a fresh database:

- `tieout`: `load_file` for every file in one process: streaming parse, validation, typed
  columns, child tables, `_record` json, manifest row, one transaction per file.
- `tieout-2p`: the same loads split over two processes by object (all files of an object
  stay in one process, in snapshot order), largest objects first. This is how a Dagster
  run materializes the raw assets with its default multiprocess executor on 2 cores.
- `copy`: the lower bound, in one process. JSON Lines files go line by line, unparsed,
  into a one-column table of the type of tieout's `_record`, `json` (`COPY ... (FORMAT
  csv, QUOTE e'\\x01', DELIMITER e'\\x02')`, so every line is one field taken verbatim);
  CSV files go into a table of `text` columns named from the header with `COPY ...
  (FORMAT csv, HEADER true)`. The file's bytes are streamed to the server in 1 MiB
  blocks; Python parses nothing.
- `pandas`: `read_csv(dtype=str)` or `read_json(lines=True)` (nested values serialized
  back to JSON text), then `DataFrame.to_sql(method="multi", chunksize=...)` through
  SQLAlchemy with `postgresql+psycopg2://`. Child tables are not extracted.

The raw tables of `tieout` are created before the clock starts, as they exist in a
warehouse that has loaded files before. Rows per second count records in the files (CSV
rows, JSON objects) for every method, so the methods compare; tieout's child rows come on
top and are shown in their own column. Besides wall time, each run records the CPU
seconds of the benchmark's own processes (client) and of the PostgreSQL server (all its
processes, read from /proc; only when the server runs on this machine), which are less
sensitive than wall time to other work on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
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
METHODS = ("tieout", "tieout-2p", "copy", "pandas")
PARALLEL_PROCESSES = 2
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


def partition(files: list[tuple[str, Path, str]], parts: int) -> list[list[tuple[str, Path, str]]]:
    """Split files over `parts` processes by object, largest objects first.

    All files of one object go to the same part, in their order in `files` (snapshot order),
    because loads of one object are serialized and skip content loaded before.
    """
    from orchestration.ingestion.snapshots import resolve_file

    groups: dict[str, list[tuple[str, Path, str]]] = {}
    for file in files:
        source, path, _ = file
        groups.setdefault(resolve_file(source, path.name)[0].table, []).append(file)

    def group_bytes(group) -> int:
        return sum(path.stat().st_size for _, path, _ in group)

    bins: list[list[tuple[str, Path, str]]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for group in sorted(groups.values(), key=group_bytes, reverse=True):
        smallest = sizes.index(min(sizes))
        bins[smallest] += group
        sizes[smallest] += group_bytes(group)
    return bins


def run_worker(method: str, url: str, files: list[tuple[str, Path, str]]) -> dict:
    started_at = time.time()
    started = time.perf_counter()
    records = 0
    child_rows = 0
    if method == "tieout":
        records, child_rows = _tieout_loads(url, files)
    elif method == "copy":
        records = _copy_baseline(url, files)
    elif method == "pandas":
        records = _pandas_baseline(url, files)
    else:
        raise ValueError(f"unknown method {method!r}")

    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "method": method,
        "records": records,
        "child_rows": child_rows,
        "seconds": seconds,
        "started_at": started_at,
        "ended_at": started_at + seconds,
        "client_cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
    }


def _tieout_loads(url: str, files) -> tuple[int, int]:
    import psycopg

    from orchestration.ingestion.loader import load_file
    from orchestration.ingestion.snapshots import resolve_file

    records = 0
    child_rows = 0
    with (
        psycopg.connect(url, autocommit=False) as connection,
        tempfile.TemporaryDirectory() as quarantine,
    ):
        for source, path, file_format in files:
            spec = resolve_file(source, path.name)[0]
            result = load_file(
                connection, spec, path, datetime.now(UTC), quarantine, file_format=file_format
            )
            if result.status != "loaded":
                raise RuntimeError(f"{path}: {result.status} {result.error}")
            records += result.row_count
            child_rows += sum(result.child_row_counts.values())
    return records, child_rows


def _copy_baseline(url: str, files) -> int:
    import psycopg
    from psycopg import sql

    from orchestration.ingestion.schema import RECORD_TYPE

    records = 0
    with psycopg.connect(url, autocommit=False) as connection:
        connection.execute("create schema if not exists bench_copy")
        for index, (_, path, file_format) in enumerate(files):
            table = sql.Identifier("bench_copy", f"t{index}_{path.stem}")
            if file_format == "jsonl":
                connection.execute(
                    sql.SQL("create table {} (line {})").format(table, sql.SQL(RECORD_TYPE))
                )
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
    """Return the short commit of HEAD, marked when tracked files have uncommitted changes."""
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    changes = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    name = result.stdout.strip() or "unknown"
    return f"{name} with uncommitted changes" if changes.stdout.strip() else name


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


def server_cpu_seconds(url: str) -> float | None:
    """Return the CPU seconds used so far by the PostgreSQL server of `url`, all processes.

    Reads /proc: the postmaster's own and reaped children's time plus each live child's.
    Returns None when the server does not run on this machine.
    """
    import psycopg

    try:
        # Read while the connection is open: its backend process ends when it closes.
        with psycopg.connect(url) as connection:
            status = Path(f"/proc/{connection.info.backend_pid}/status").read_text()
        postmaster = int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))
        if b"postgres" not in Path(f"/proc/{postmaster}/cmdline").read_bytes():
            return None
        total = sum(_proc_times(postmaster, with_children=True))
    except (OSError, AttributeError):
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _proc_times(pid: int, *, with_children: bool) -> list[float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # Fields 14 to 17 of proc(5): utime, stime, cutime, cstime, in clock ticks.
    ticks = [int(value) for value in fields[11 : 15 if with_children else 13]]
    return [value / os.sysconf("SC_CLK_TCK") for value in ticks]


def run_method(method: str, root: Path, files, then=None) -> dict:
    """Run one method once in a fresh database and return its combined figures.

    `then(url, result)`, when given, runs on the loaded database before it is dropped, and
    what it returns is kept under the result's key "then".
    """
    url, drop = bench_database()
    try:
        result = run_in_database(url, method, root, files)
        if then is not None:
            result["then"] = then(url, result)
        return result
    finally:
        drop()


def run_in_database(url: str, method: str, root: Path, files) -> dict:
    """Run one method once in the database at `url` and return its combined figures."""
    parts = [files]
    worker_method = method
    if method == "tieout-2p":
        parts = partition(files, PARALLEL_PROCESSES)
        worker_method = "tieout"
    if worker_method == "tieout":
        _create_raw_tables(url)
    server_before = server_cpu_seconds(url)
    workers = []
    for index in range(len(parts)):
        command = [sys.executable, __file__, "--worker", worker_method, "--url", url]
        command += ["--input", str(root), "--part", str(index), "--parts", str(len(parts))]
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    outputs = []
    for worker in workers:
        stdout, _ = worker.communicate()
        if worker.returncode != 0:
            raise RuntimeError(f"{method} worker failed with exit code {worker.returncode}")
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    server_after = server_cpu_seconds(url)

    server_cpu = None
    if server_before is not None and server_after is not None:
        server_cpu = server_after - server_before
    return {
        "method": method,
        "records": sum(output["records"] for output in outputs),
        "child_rows": sum(output["child_rows"] for output in outputs),
        "seconds": max(o["ended_at"] for o in outputs) - min(o["started_at"] for o in outputs),
        "client_cpu": sum(output["client_cpu"] for output in outputs),
        "server_cpu": server_cpu,
        "peak_rss_mib": max(output["peak_rss_mib"] for output in outputs),
    }


def _create_raw_tables(url: str) -> None:
    import psycopg

    from orchestration.ingestion.schema import ensure_raw_schema

    with psycopg.connect(url, autocommit=False) as connection:
        ensure_raw_schema(connection)


def summarize(runs: list[dict]) -> dict:
    """Return the median, min and max of a method's runs, and its largest peak RSS."""
    seconds = sorted(run["seconds"] for run in runs)
    servers = [run["server_cpu"] for run in runs if run["server_cpu"] is not None]
    return {
        "method": runs[0]["method"],
        "runs": len(runs),
        "records": runs[0]["records"],
        "child_rows": runs[0]["child_rows"],
        "seconds": statistics.median(seconds),
        "seconds_min": seconds[0],
        "seconds_max": seconds[-1],
        "client_cpu": statistics.median(run["client_cpu"] for run in runs),
        "server_cpu": statistics.median(servers) if servers else None,
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
    }


def format_table(summaries: list[dict]) -> str:
    """Format method summaries as a Markdown table, with rates relative to `copy`."""
    copy = next((s for s in summaries if s["method"] == "copy"), None)
    copy_rate = copy["records"] / copy["seconds"] if copy else 0.0
    copy_cpu = _total_cpu(copy) if copy else None
    lines = [
        "| method | records | child rows | seconds median (min-max) | records/s | vs copy "
        "| client CPU s | server CPU s | CPU vs copy | peak RSS MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for summary in summaries:
        rate = summary["records"] / summary["seconds"] if summary["seconds"] else 0.0
        ratio = f"{rate / copy_rate:.2f}x" if copy_rate else "n/a"
        server = summary["server_cpu"]
        total = _total_cpu(summary)
        cpu_ratio = f"{copy_cpu / total:.2f}x" if copy_cpu and total else "n/a"
        lines.append(
            f"| {summary['method']} | {summary['records']:,} | {summary['child_rows']:,} | "
            f"{summary['seconds']:.1f} ({summary['seconds_min']:.1f}-"
            f"{summary['seconds_max']:.1f}) | {rate:,.0f} | {ratio} | "
            f"{summary['client_cpu']:.1f} | {'n/a' if server is None else f'{server:.1f}'} | "
            f"{cpu_ratio} | {summary['peak_rss_mib']:.0f} |"
        )
    return "\n".join(lines)


def _total_cpu(summary: dict) -> float | None:
    if summary["server_cpu"] is None:
        return None
    return summary["client_cpu"] + summary["server_cpu"]


def run_benchmark(
    root: Path, methods: list[str], repeat: int, then: dict | None = None
) -> tuple[list[dict], str]:
    """Run every method `repeat` times on the files under `root`; return summaries and data.

    `then` maps a method to a function run on each of its loaded databases (see
    `run_method`). A summary keeps what those runs returned, in order, under "then".
    """
    files = find_files(root)
    total_bytes = sum(path.stat().st_size for _, path, _ in files)
    data = f"{len(files)} files, {total_bytes / 1024 / 1024:.1f} MiB"
    print(f"{data} under {root}", flush=True)

    runs: dict[str, list[dict]] = {method: [] for method in methods}
    # Methods alternate within each round, so slow drifts of a shared machine hit all alike.
    for round_number in range(repeat):
        for method in methods:
            result = run_method(method, root, files, (then or {}).get(method))
            runs[method].append(result)
            print(
                f"round {round_number + 1}/{repeat} {method}: {result['seconds']:.1f} s",
                flush=True,
            )
    summaries = [summarize(runs[method]) for method in methods]
    for summary in summaries:
        summary["then"] = [run["then"] for run in runs[summary["method"]] if "then" in run]
    return summaries, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", help="generator scale name, such as demo or large")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--months", type=int, default=6, help="generator months of history")
    parser.add_argument("--invoices", type=int, help="write a synthetic set of N invoices")
    parser.add_argument("--input", type=Path, help="benchmark files already generated here")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; median shown")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--part", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--parts", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        files = partition(find_files(args.input), args.parts)[args.part]
        print(json.dumps(run_worker(args.worker, args.url, files)))
        return 0

    methods = args.methods.split(",")
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {', '.join(unknown)}: expected some of {', '.join(METHODS)}")

    with tempfile.TemporaryDirectory(prefix="tieout-bench-") as temporary:
        root = args.input
        if root is None:
            root = Path(temporary)
            if args.invoices:
                write_synthetic(root, args.invoices)
            else:
                generate_set(root, args.scale or "demo", args.seed, args.months)
        summaries, data = run_benchmark(root, methods, args.repeat)

    table = format_table(summaries)
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
                f"- data: {source}: {data}\n"
                f"- machine: {machine()}\n"
                f"- runs per method: {args.repeat}\n\n{table}\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

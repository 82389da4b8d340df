"""Run the benchmarks end to end and append their figures to bench/RESULTS.md.

Usage:
    python -m bench                       # large set: 200,001 customers, 10.4 GiB
    python -m bench --scale medium        # 20,001 customers, 1 GiB
    python -m bench --customers 300 --runs 1 --no-record      # a quick check

Steps:

1. Generate the company once per seed, months and size under
   `<TIEOUT_HOME>/bench/`, and reuse it on later runs (the generator's manifest.json,
   written last, marks a complete set). The demo set is generated too, to compare
   tieout's peak RSS on small and large files.
2. Ingestion (bench/ingestion.py): tieout in one and in two processes and raw COPY, the
   median, min and max of `--runs` runs; on the demo set also pandas `to_sql`, which is
   too slow for the larger sets.
3. Pipeline (bench/pipeline.py): after each `tieout-2p` ingestion run, before its
   database is dropped, `dbt build` of the staging, canonical, close and reconciliation
   layers, with time per layer. The pipeline's ingest time is that run's.
4. Invoice-to-GL differences, on the first pipeline run's database: datacompy on the
   staging tables, in a process of its own for its peak RSS, against tieout's exceptions
   mart and the node time of the models it takes to compute them.
5. Posting (bench/posting.py, the posting benchmark), run as it is.

The per-period marts (dbt tag `period_partitioned`) are also run for every period and
for the last period alone, which is the one-period run the Dagster partitions make.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import ingestion  # noqa: E402 - bench/ is put on sys.path above
import pipeline  # noqa: E402

# Customers per subsidiary of the named sizes; all use the generator's "large" profile.
SIZES = {"large": 66_667, "medium": 6_667, "small": 667}
DEFAULT_SIZE = "large"
MONTHS = 24
# Goals stated for the project, checked in the results.
INGEST_GOAL = 0.7
RECON_GOAL = 5.0
PIPELINE_GOAL_SECONDS = 600
INCREMENTAL_GOAL = 0.1
# dbt layers whose models compute the reconciliation, timed against datacompy.
RECON_LAYERS = ("canonical", "close", "reconciliation")


def data_folder(home: Path, scale: str, seed: int, months: int, customers: int | None) -> Path:
    name = f"gen-{scale}-seed{seed}-m{months}"
    if customers is not None:
        name += f"-c{customers}"
    return home / "bench" / name


def generated_set(home: Path, scale: str, seed: int, months: int, customers=None) -> Path:
    """Return the snapshot root of a generated set, generating it when missing."""
    from orchestration.generator import generate

    folder = data_folder(home, scale, seed, months, customers)
    if not (folder / "manifest.json").exists():
        print(f"Generating {folder} ...", flush=True)
        started = time.perf_counter()
        generate(folder, seed, months, scale, customers_per_subsidiary=customers)
        print(f"Generated in {time.perf_counter() - started:.0f} s", flush=True)
    return folder / "snapshots"


def pipeline_step(runs: int):
    """Return the function run on each database that tieout loaded in two processes.

    It builds the dbt models there, so the pipeline's ingestion is the ingestion
    benchmark's `tieout-2p` run; the first run also compares with datacompy.
    """
    done = []

    def build(url: str, loaded: dict) -> dict:
        result = pipeline.build_models(url, loaded["seconds"])
        if not done:
            command = [sys.executable, str(BENCH_DIR / "pipeline.py"), "--compare", url]
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            result["compare"] = json.loads(output.stdout.strip().splitlines()[-1])
        done.append(result)
        print(
            f"pipeline run {len(done)}/{runs}: ingest {result['ingest_seconds']:.0f} s,"
            f" dbt {result['dbt_seconds']:.0f} s",
            flush=True,
        )
        return result

    return build


def spread(values: list[float], digits: int = 1) -> str:
    """Format values as `median (min-max)`."""
    ordered = sorted(values)
    middle = statistics.median(ordered)
    return f"{middle:.{digits}f} ({ordered[0]:.{digits}f}-{ordered[-1]:.{digits}f})"


def pipeline_table(results: list[dict]) -> str:
    ingest = spread([r["ingest_seconds"] for r in results])
    lines = ["| step | seconds median (min-max) |", "| --- | ---: |"]
    lines.append(f"| ingest, tieout in 2 processes | {ingest} |")
    lines.append(f"| dbt build, wall | {spread([r['dbt_seconds'] for r in results])} |")
    layers = sorted({layer for r in results for layer in r["layers"]})
    for layer in layers:
        kinds = sorted({kind for r in results for kind in r["layers"].get(layer, {})})
        for kind in kinds:
            values = [r["layers"].get(layer, {}).get(kind, 0.0) for r in results]
            lines.append(f"| dbt {layer} {kind}s, summed node time | {spread(values)} |")
    total = spread([r["pipeline_seconds"] for r in results])
    lines.append(f"| full pipeline (ingest + dbt build) | {total} |")
    return "\n".join(lines)


def recon_text(results: list[dict]) -> str:
    compare = results[0]["compare"]
    tieout_recon = [
        sum(r["layers"].get(layer, {}).get("model", 0.0) for layer in RECON_LAYERS) for r in results
    ]
    tieout_path = [r["billing_gl_path_seconds"] for r in results]
    ratio = compare["datacompy_seconds"] / statistics.median(tieout_path)
    ratio_all = compare["datacompy_seconds"] / statistics.median(tieout_recon)
    only_tieout = _counts(compare["only_tieout_by_tieout"])
    only_datacompy = _counts(compare["only_datacompy_by_tieout"])
    rows = [
        "| measure | tieout | datacompy |",
        "| --- | ---: | ---: |",
        f"| seconds, invoice-to-GL differences | {spread(tieout_path)}: "
        f"`{pipeline.BILLING_GL_MODEL}` and every model it reads, summed node time | "
        f"{compare['datacompy_seconds']:.1f}: read 4 staging tables, AR amounts, compare; "
        "1 run |",
        f"| seconds, every reason code | {spread(tieout_recon)}: canonical, close and "
        "reconciliation models, summed node time | |",
        f"| peak RSS MiB | in PostgreSQL, not measured | {compare['datacompy_peak_rss_mib']:.0f} |",
        f"| invoices compared | {compare['stripe_invoices']:,} Stripe, "
        f"{compare['gl_invoices']:,} GL | same ({compare['gl_duplicated_ids']:,} GL ids twice, "
        "first kept) |",
        f"| difference set size | {compare['tieout_set']:,} | {compare['datacompy_set']:,} "
        f"({compare['datacompy_only_stripe']:,} only in Stripe, "
        f"{compare['datacompy_mismatched']:,} amounts) |",
        f"| ids in both sets | {compare['in_both']:,} | |",
        f"| ids in one set only, by tieout's view | {compare['only_tieout_count']:,}"
        f"{only_tieout} | {compare['only_datacompy_count']:,}{only_datacompy} |",
    ]
    return (
        "\n".join(rows)
        + f"\n\ndatacompy seconds / tieout seconds: {ratio:.2f} for the invoice-to-GL "
        + f"differences, {ratio_all:.2f} for every reason code (goal: tieout "
        + f"{RECON_GOAL:.0f}x faster, 5.00 or more)."
    )


def _counts(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return ": " + ", ".join(f"{label} {count:,}" for label, count in counts.items())


def run_posting(runs: int) -> str:
    command = [sys.executable, str(BENCH_DIR / "posting.py"), "--runs", str(max(runs, 3))]
    command.append("--no-record")
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return output.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        choices=sorted(SIZES),
        default=DEFAULT_SIZE,
        help="size of the generated company (customers per subsidiary: "
        + ", ".join(f"{k} {v:,}" for k, v in SIZES.items())
        + ")",
    )
    parser.add_argument("--customers", type=int, help="customers per subsidiary; overrides --scale")
    parser.add_argument("--seed", type=int, default=42, help="generator seed")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; median shown")
    parser.add_argument("--skip-pandas", action="store_true", help="leave out pandas to_sql")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)

    from orchestration.settings import load_settings

    home = load_settings().home
    customers = args.customers or SIZES[args.scale]
    label = f"{customers:,} customers per subsidiary, {MONTHS} months, seed {args.seed}"
    root = generated_set(home, "large", args.seed, MONTHS, customers)
    demo_root = generated_set(home, "demo", args.seed, 6)

    methods = ["tieout", "tieout-2p", "copy"]
    then = {"tieout-2p": pipeline_step(args.runs)}
    summaries, data = ingestion.run_benchmark(root, methods, args.runs, then)
    pipeline_results = next(s["then"] for s in summaries if s["method"] == "tieout-2p")
    # pandas loads about 3,000 records/s here, so the medium set would take it roughly an
    # hour (an estimate). It runs on the demo set only, beside tieout and COPY.
    demo_methods = ["tieout", "copy"] + ([] if args.skip_pandas else ["pandas"])
    demo_summaries, demo_data = ingestion.run_benchmark(demo_root, demo_methods, args.runs)
    ingest_table = ingestion.format_table(summaries)
    demo_table = ingestion.format_table(demo_summaries)
    print(ingest_table, demo_table, sep="\n\n", flush=True)

    posting_line = run_posting(args.runs)

    text = format_results(
        args,
        demo_table,
        label,
        data,
        ingest_table,
        summaries,
        demo_summaries,
        demo_data,
        pipeline_results,
        posting_line,
    )
    print(text)
    if not args.no_record:
        with ingestion.RESULTS.open("a") as file:
            file.write(text)
    return 0


def format_results(
    args,
    demo_table,
    label,
    data,
    ingest_table,
    summaries,
    demo_summaries,
    demo_data,
    pipeline_results,
    posting_line,
) -> str:
    """Return the RESULTS.md section of one run: header, then one part per benchmark."""
    command = "python -m bench " + " ".join(sys.argv[1:])
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    pipeline_seconds = statistics.median(r["pipeline_seconds"] for r in pipeline_results)
    lines = [
        f"\n## Full benchmark, {stamp}, commit {ingestion.commit()}\n",
        f"- command: `{command.strip()}`",
        f"- data: generator profile large, {label}: {data}; demo set: {demo_data}",
        f"- machine: {ingestion.machine()}",
        f"- runs per measurement: {args.runs} (datacompy: 1)\n",
        "### Ingestion\n",
        ingest_table,
        "",
        *ingestion_notes(summaries, demo_summaries),
        "Demo set (pandas runs here only):\n",
        demo_table,
        "",
        *pandas_notes(demo_summaries),
        "### Pipeline\n",
        pipeline_table(pipeline_results),
        "",
        f"Full pipeline: {pipeline_seconds:.0f} s (goal under {PIPELINE_GOAL_SECONDS} s on the "
        "large set).\n",
        *period_notes(pipeline_results),
        "### Invoice-to-GL differences, tieout vs datacompy\n",
        recon_text(pipeline_results),
        "",
        "### Posting\n",
        f"`python bench/posting.py --runs {max(args.runs, 3)}`: {posting_line}",
        "",
    ]
    return "\n".join(lines)


def period_notes(results: list[dict]) -> list[str]:
    all_periods = [r["all_periods_seconds"] for r in results]
    one_period = [r["one_period_seconds"] for r in results]
    full_build = [r["dbt_seconds"] for r in results]
    ratio = statistics.median(one_period) / statistics.median(all_periods)
    ratio_full = statistics.median(one_period) / statistics.median(full_build)
    return [
        f"Per-period marts (dbt tag `{pipeline.PERIOD_TAG}`, wall time of `dbt run` after the "
        "full build, dbt start-up included): "
        f"every period {spread(all_periods)} s, period {pipeline.LAST_PERIOD} alone "
        f"(vars period_start and period_end) {spread(one_period)} s. One period / every "
        f"period of these marts: {ratio:.2f}; one period / the full `dbt build` "
        f"({spread(full_build)} s): {ratio_full:.2f} (goal at most {INCREMENTAL_GOAL}). Only "
        "these marts are partitioned: the exceptions and matches they read are rebuilt "
        "whole by any run that has new snapshots to reconcile.\n",
    ]


def records_per_second(summaries: list[dict]) -> dict[str, float]:
    return {summary["method"]: summary["records"] / summary["seconds"] for summary in summaries}


def ingestion_notes(summaries: list[dict], demo_summaries: list[dict]) -> list[str]:
    rates = records_per_second(summaries)
    peak = {summary["method"]: summary["peak_rss_mib"] for summary in summaries}
    demo_peak = {summary["method"]: summary["peak_rss_mib"] for summary in demo_summaries}
    return [
        f"tieout/COPY records/s: {rates['tieout'] / rates['copy']:.2f}x in one process, "
        f"{rates['tieout-2p'] / rates['copy']:.2f}x in two (goal {INGEST_GOAL}x).",
        f"Peak RSS of tieout in one process: {demo_peak['tieout']:.0f} MiB on the demo set, "
        f"{peak['tieout']:.0f} MiB on this set.\n",
    ]


def pandas_notes(demo_summaries: list[dict]) -> list[str]:
    rates = records_per_second(demo_summaries)
    if "pandas" not in rates:
        return []
    return [
        f"Demo set: tieout/COPY {rates['tieout'] / rates['copy']:.2f}x, "
        f"tieout/pandas to_sql {rates['tieout'] / rates['pandas']:.1f}x.",
        "",
    ]


if __name__ == "__main__":
    raise SystemExit(main())

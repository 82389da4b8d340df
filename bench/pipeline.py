"""Benchmark the dbt build after ingestion, and the invoice-to-GL check against datacompy.

`build_models` runs on a database that tieout loaded in two processes, as a Dagster run
does on 2 cores (bench/__main__.py passes it the database of the ingestion benchmark's
`tieout-2p` runs). It seeds the mappings, runs `dbt build` on the staging, canonical,
close and reconciliation layers, and reads each node's time from the build's
run_results.json.

`compare_with_datacompy` compares the same two tables in pandas with datacompy, and the
difference set each side reports:

- datacompy: Stripe invoices (`staging.stg_stripe__invoices`: invoice_id, total; void and
  draft invoices left out) joined on NetSuite invoices (`staging.stg_netsuite__transactions`
  of type `CustInvc`, not voided, by external_id). The GL amount is the transaction's
  accounts-receivable effect in transaction currency: debit minus credit foreign amounts
  of its lines on `AcctRec` accounts (`staging.stg_netsuite__transaction_lines` and
  `stg_netsuite__accounts`), as tieout compares it; NetSuite's `foreigntotal` is not
  used. The set is the invoice ids present only in Stripe, plus the ids whose amounts
  differ by more than 0.01.
- tieout: the invoice ids of `finance.reconciliation_exceptions` with source_object
  `invoice` and reason code INVOICE_NOT_POSTED or AMOUNT_MISMATCH.

tieout's rules go further than a row diff (summarized journals cover many invoices, rule
matches find invoices posted without their id, tolerances are per currency, duplicates
and voids have reasons of their own), so the two sets are expected to differ. The
comparison reports both sizes, and classifies the ids in only one set by tieout's match
rule or reason code.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# The close layer contains restated_after_signoff, which the exceptions mart reads.
DBT_LAYERS = ("staging", "canonical", "close", "reconciliation")
AMOUNT_TOLERANCE = 0.01
# dbt tag of the marts partitioned by accounting period, and the generator's last period.
PERIOD_TAG = "period_partitioned"
LAST_PERIOD = "2026-11"
DIFFERENCE_REASONS = ("INVOICE_NOT_POSTED", "AMOUNT_MISMATCH")
# The model that finds billing documents missing from the GL or posted with another amount.
# A like-for-like comparison with datacompy times it and every model upstream of it.
BILLING_GL_MODEL = "int_billing_gl_exceptions"


def build_models(url: str, ingest_seconds: float) -> dict:
    """Run `dbt build` on the database at `url`, loaded in `ingest_seconds`; return times."""
    environment = dbt_environment(url)
    with tempfile.TemporaryDirectory(prefix="tieout-bench-dbt-") as target:
        target_path = Path(target)
        _run_dbt(["seed"], target_path, environment)
        started = time.perf_counter()
        selection = [f"path:models/{layer}" for layer in DBT_LAYERS]
        _run_dbt(["build", "--select", *selection], target_path, environment)
        dbt_seconds = time.perf_counter() - started
        run_results = json.loads((target_path / "run_results.json").read_text())
        manifest = json.loads((target_path / "manifest.json").read_text())
        layers = layer_times(run_results, manifest)
        path_seconds = model_path_seconds(run_results, manifest, BILLING_GL_MODEL)
        period_seconds = _period_runs(target_path, environment)
    return {
        "ingest_seconds": ingest_seconds,
        "dbt_seconds": dbt_seconds,
        "pipeline_seconds": ingest_seconds + dbt_seconds,
        "layers": layers,
        "billing_gl_path_seconds": path_seconds,
        **period_seconds,
    }


def _period_runs(target_path: Path, environment: dict[str, str]) -> dict[str, float]:
    """Time `dbt run` of the per-period marts for every period, then for the last one.

    The per-period marts are the models tagged `period_partitioned`; a run with the vars
    period_start and period_end rebuilds only those periods. The unpartitioned models they
    read (the exceptions and matches) are built already and not run again.
    """
    select = ["run", "--select", f"tag:{PERIOD_TAG}"]
    started = time.perf_counter()
    _run_dbt(select, target_path, environment)
    all_periods = time.perf_counter() - started

    period = json.dumps({"period_start": LAST_PERIOD, "period_end": LAST_PERIOD})
    started = time.perf_counter()
    _run_dbt([*select, "--vars", period], target_path, environment)
    one_period = time.perf_counter() - started
    return {"all_periods_seconds": all_periods, "one_period_seconds": one_period}


def dbt_environment(url: str) -> dict[str, str]:
    """Return os.environ with the connection variables that profiles.yml reads, for `url`."""
    from orchestration.database import parse_database_url

    info = parse_database_url(url)
    return {
        **os.environ,
        "TIEOUT_PG_HOST": info.host,
        "TIEOUT_PG_PORT": str(info.port),
        "TIEOUT_PG_USER": info.user,
        "TIEOUT_PG_PASSWORD": info.password,
        "TIEOUT_PG_DATABASE": info.database,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def _run_dbt(command: list[str], target_path: Path, environment: dict[str, str]) -> None:
    from orchestration.close.dbt_cli import dbt_arguments
    from orchestration.settings import load_settings

    executable = str(Path(sys.executable).with_name("dbt"))
    arguments = [executable, *dbt_arguments(load_settings(), command, target_path)]
    completed = subprocess.run(arguments, capture_output=True, text=True, env=environment)
    if completed.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(command)} failed with exit code {completed.returncode}:\n"
            f"{completed.stdout[-4000:]}{completed.stderr[-2000:]}"
        )


def layer_times(run_results: dict, manifest: dict) -> dict[str, dict[str, float]]:
    """Sum node execution times of a run_results.json by layer folder and resource type.

    With several dbt threads the nodes overlap, so a layer's sum can exceed its wall time.
    """
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    times: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for result in run_results["results"]:
        unique_id = result["unique_id"]
        parts = Path(nodes.get(unique_id, {}).get("original_file_path", "other")).parts
        layer = parts[1] if len(parts) > 2 and parts[0] == "models" else "other"
        times[layer][unique_id.split(".", 1)[0]] += result["execution_time"]
    return {layer: dict(kinds) for layer, kinds in times.items()}


def model_path_seconds(run_results: dict, manifest: dict, model: str) -> float:
    """Sum the execution times of `model` and of every model it reads, directly or not."""
    nodes = manifest["nodes"]
    pending = [f"model.{manifest['metadata']['project_name']}.{model}"]
    path: set[str] = set()
    while pending:
        unique_id = pending.pop()
        if unique_id in path or not unique_id.startswith("model."):
            continue
        path.add(unique_id)
        pending += nodes[unique_id]["depends_on"]["nodes"]
    return sum(r["execution_time"] for r in run_results["results"] if r["unique_id"] in path)


def compare_with_datacompy(url: str) -> dict:
    """Compute the invoice-to-GL difference set with datacompy, and read tieout's."""
    import datacompy
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with engine.connect() as connection:
        invoices = pd.read_sql(
            "select invoice_id, total from staging.stg_stripe__invoices"
            " where invoice_status not in ('void', 'draft')",
            connection,
        )
        transactions = pd.read_sql(
            "select transaction_id, external_id from staging.stg_netsuite__transactions"
            " where transaction_type = 'CustInvc' and external_id is not null"
            " and not is_voided",
            connection,
        )
        lines = pd.read_sql(
            "select transaction_id, account_id, debit_foreign_amount, credit_foreign_amount"
            " from staging.stg_netsuite__transaction_lines",
            connection,
        )
        accounts = pd.read_sql(
            "select account_id from staging.stg_netsuite__accounts where account_type = 'AcctRec'",
            connection,
        )
    receivable = lines[lines["account_id"].isin(accounts["account_id"])]
    receivable = receivable.assign(
        amount=receivable["debit_foreign_amount"].astype(float)
        - receivable["credit_foreign_amount"].astype(float)
    )
    ar_amounts = receivable.groupby("transaction_id", as_index=False)["amount"].sum()
    gl = transactions.merge(ar_amounts, on="transaction_id", how="left").fillna({"amount": 0})
    gl = gl.rename(columns={"external_id": "invoice_id", "amount": "total"})
    duplicated = int(gl["invoice_id"].duplicated().sum())
    comparison = datacompy.Compare(
        invoices.astype({"total": float}),
        gl[["invoice_id", "total"]].drop_duplicates("invoice_id"),
        join_columns="invoice_id",
        abs_tol=AMOUNT_TOLERANCE,
        df1_name="stripe",
        df2_name="netsuite",
    )
    only_stripe = set(comparison.df1_unq_rows["invoice_id"])
    mismatched = set(comparison.all_mismatch()["invoice_id"])
    datacompy_seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with engine.connect() as connection:
        exceptions = pd.read_sql(
            "select source_id, reason_code from finance.reconciliation_exceptions"
            " where source_object = 'invoice'",
            connection,
        )
        matches = pd.read_sql(
            "select left_id, match_rule from finance.reconciliation_matches"
            " where pair = 'billing_gl' and left_object = 'invoice'",
            connection,
        )
    tieout_ids = set(exceptions[exceptions["reason_code"].isin(DIFFERENCE_REASONS)]["source_id"])
    datacompy_ids = only_stripe | mismatched
    only_datacompy = datacompy_ids - tieout_ids
    only_tieout = tieout_ids - datacompy_ids
    rules = matches.drop_duplicates("left_id").set_index("left_id")["match_rule"]
    reasons = exceptions.groupby("source_id")["reason_code"].agg(
        lambda codes: "+".join(sorted(codes))
    )
    engine.dispose()

    return {
        "datacompy_seconds": datacompy_seconds,
        "datacompy_peak_rss_mib": peak_mib,
        "datacompy_peak_rss_before_mib": rss_before / 1024,
        "stripe_invoices": len(invoices),
        "gl_invoices": len(gl),
        "gl_duplicated_ids": duplicated,
        "datacompy_only_stripe": len(only_stripe),
        "datacompy_mismatched": len(mismatched),
        "datacompy_set": len(datacompy_ids),
        "tieout_set": len(tieout_ids),
        "in_both": len(datacompy_ids & tieout_ids),
        "only_datacompy_count": len(only_datacompy),
        "only_tieout_count": len(only_tieout),
        "only_datacompy_by_tieout": _classify(only_datacompy, rules, reasons),
        "only_tieout_by_tieout": _classify(only_tieout, rules, reasons),
    }


def _classify(ids: set[str], rules, reasons) -> dict[str, int]:
    """Count ids by tieout's view of them: its match rule, its reason codes, or neither."""
    counts: dict[str, int] = defaultdict(int)
    for invoice_id in ids:
        if invoice_id in rules.index:
            counts[f"matched by {rules[invoice_id]}"] += 1
        if invoice_id in reasons.index:
            counts[f"reason {reasons[invoice_id]}"] += 1
        if invoice_id not in rules.index and invoice_id not in reasons.index:
            counts["neither"] += 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    # `python bench/pipeline.py --compare URL`: one comparison in a process of its own, so
    # its peak RSS is datacompy's and pandas' alone.
    if sys.argv[1:2] != ["--compare"] or len(sys.argv) != 3:
        raise SystemExit("usage: python bench/pipeline.py --compare POSTGRESQL_URL")
    print(json.dumps(compare_with_datacompy(sys.argv[2])))

"""`tieout demo`: provision, generate sample data and materialize every asset."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import psycopg
import typer
from rich.progress import Progress

from orchestration.cli.common import console, prepare_environment
from orchestration.cli.demo_loop import (
    DEMO_APPROVER,
    PostingRound,
    free_loopback_port,
    post_and_export,
)
from orchestration.cli.demo_summary import (
    batches_table,
    exception_counts,
    exceptions_table,
    gates_table,
    latest_period,
    loaded_rows_table,
    match_rate_table,
    quarantine_lines,
)
from orchestration.cli.generate import GENERATOR_MODULE, run_generator
from orchestration.cli.materialize import RunOutcome, count_runs, plan_steps, run_steps
from orchestration.close.report import build_report, default_report_path
from orchestration.close.signoff import load_signoffs_file
from orchestration.close.tables import ensure_close_tables
from orchestration.posting.sandbox.server import LISTEN_HOST
from orchestration.quality.runner import QualityPaths
from orchestration.settings import Settings, load_settings

# Written by the generator beside the snapshots: periods finance signed off.
SIGNOFFS_FILE = "signoffs.csv"


def demo() -> None:
    """Run the whole pipeline on sample data, post the missing journals and rebuild.

    The first build ingests the snapshots, gates them, reconciles and proposes journals.
    A controller then approves the batches, the posting sensor and job post them to an
    ERP sandbox on 127.0.0.1, the sandbox exports its ledger as a new NetSuite snapshot,
    and the second build shows which exceptions the posted journals closed.
    """
    settings = load_settings()
    skipped: list[str] = []

    info = prepare_environment(settings)
    console.print(
        f"PostgreSQL ready on {info.host}:{info.port}, Dagster home {settings.dagster_home}"
    )
    # The ERP resource reads its URL when the definitions are imported below.
    sandbox_port = free_loopback_port()
    os.environ["TIEOUT_ERP_URL"] = f"http://{LISTEN_HOST}:{sandbox_port}"

    skipped += _ensure_sample_data(settings)
    _load_signoffs(settings, info.libpq_url())

    # Imported here so the definitions read the environment set above.
    from orchestration.definitions import defs

    steps = plan_steps(defs)
    if not steps:
        skipped.append("materialization: the code location defines no assets yet")
        _print_skipped(skipped)
        return

    instance = dg.DagsterInstance.get()
    _build_or_exit(defs, steps, instance, "First build")
    with psycopg.connect(info.libpq_url()) as connection:
        before = exception_counts(connection)

    with console.status("Approving and posting journal batches to the ERP sandbox"):
        posting = post_and_export(
            defs, instance, info.libpq_url(), settings.snapshot_root, sandbox_port
        )
    _print_posting(posting)

    if posting.exported_snapshot is not None:
        _build_or_exit(defs, steps, instance, "Rebuild with the exported ERP snapshot")

    with psycopg.connect(info.libpq_url()) as connection:
        after = exception_counts(connection)
        report_path = _write_report(connection, settings)
        _print_summary(connection, before, after)

    console.print(f"Close report: {report_path}")
    console.print(f"Data Docs: {QualityPaths.from_settings(settings).data_docs_index}")
    console.print("Dagster UI with every run of this demo: `make ui`")
    _print_skipped(skipped)


def _build_or_exit(
    defs: dg.Definitions, steps: list, instance: dg.DagsterInstance, label: str
) -> None:
    outcomes = _run_with_progress(defs, steps, instance, label)
    failed = [outcome for outcome in outcomes if not outcome.success]
    if not failed:
        return

    for outcome in failed:
        console.print(
            f"[red]Run {outcome.run_id} failed[/red] in steps {', '.join(outcome.failed_steps)}; "
            "read its logs above or in `make ui`."
        )
    raise typer.Exit(code=1)


def _load_signoffs(settings: Settings, libpq_url: str) -> None:
    path = settings.generated_dir / SIGNOFFS_FILE
    if not path.is_file():
        return

    with psycopg.connect(libpq_url) as connection:
        ensure_close_tables(connection)
        count = load_signoffs_file(connection, path)
    console.print(f"Loaded {count} period sign-offs from {path}")


def _write_report(connection: psycopg.Connection, settings: Settings) -> Path | None:
    period = latest_period(connection)
    if period is None:
        return None
    return build_report(connection, settings, period, default_report_path(settings, period))


def _print_posting(posting: PostingRound) -> None:
    if not posting.approved:
        console.print("No journal batch was waiting for approval.")
        return

    console.print(
        f"Approved {len(posting.approved)} journal batches as {DEMO_APPROVER}: "
        + ", ".join(posting.approved)
    )
    for batch_id, success in posting.runs:
        verdict = "posted" if success else "[red]failed[/red]"
        console.print(f"  posting run for batch {batch_id}: {verdict}")
    console.print(f"ERP sandbox ledger exported to {posting.exported_snapshot}")


def _print_summary(connection: psycopg.Connection, before, after) -> None:
    console.print(loaded_rows_table(connection))
    for line in quarantine_lines(connection):
        console.print(f"[yellow]Quarantined[/yellow] {line}")
    console.print(gates_table(connection))
    console.print(match_rate_table(connection))
    console.print(exceptions_table(before, after))
    console.print(batches_table(connection))


def _ensure_sample_data(settings: Settings) -> list[str]:
    out_dir = settings.generated_dir
    if out_dir.is_dir() and any(out_dir.iterdir()):
        console.print(f"Using existing sample data in {out_dir}")
        return []

    written = run_generator(out_dir)
    if written is None:
        return [f"sample data: {GENERATOR_MODULE} does not exist yet"]

    console.print(f"Wrote sample data to {written}")
    return []


def _run_with_progress(
    defs: dg.Definitions, steps: list, instance: dg.DagsterInstance, label: str
) -> list[RunOutcome]:
    outcomes = []
    with Progress(console=console) as progress:
        task = progress.add_task(label, total=count_runs(steps, instance))
        for outcome in run_steps(defs, steps, instance):
            outcomes.append(outcome)
            progress.advance(task)
    return outcomes


def _print_skipped(skipped: list[str]) -> None:
    for reason in skipped:
        console.print(f"[yellow]Skipped[/yellow] {reason}")

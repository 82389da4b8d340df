"""`tieout demo`: provision, generate sample data and materialize every asset."""

from __future__ import annotations

import dagster as dg
import typer
from rich.progress import Progress
from rich.table import Table

from orchestration.cli.common import console, prepare_environment
from orchestration.cli.generate import GENERATOR_MODULE, run_generator
from orchestration.cli.materialize import RunOutcome, count_runs, plan_steps, run_steps
from orchestration.settings import Settings, load_settings

# Metadata values longer than this are cut in the summary table; the UI shows them whole.
MAX_METADATA_TEXT = 60


def demo() -> None:
    """Run the whole pipeline once on sample data and print what each asset reported."""
    settings = load_settings()
    skipped: list[str] = []

    info = prepare_environment(settings)
    console.print(
        f"PostgreSQL ready on {info.host}:{info.port}, Dagster home {settings.dagster_home}"
    )

    skipped += _ensure_sample_data(settings)

    # Imported here so the definitions read the environment that prepare_environment set.
    from orchestration.definitions import defs

    steps = plan_steps(defs)
    if not steps:
        skipped.append("materialization: the code location defines no assets yet")
        _print_skipped(skipped)
        return

    outcomes = _run_with_progress(defs, steps)
    _print_summary(outcomes)
    _print_skipped(skipped)

    failed = [outcome for outcome in outcomes if not outcome.success]
    if failed:
        for outcome in failed:
            steps = ", ".join(outcome.failed_steps)
            console.print(
                f"[red]Run {outcome.run_id} failed[/red] in steps {steps}; "
                "open `make ui` to read its logs."
            )
        raise typer.Exit(code=1)


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


def _run_with_progress(defs: dg.Definitions, steps: list) -> list[RunOutcome]:
    instance = dg.DagsterInstance.get()
    outcomes = []
    with Progress(console=console) as progress:
        task = progress.add_task("Materializing assets", total=count_runs(steps, instance))
        for outcome in run_steps(defs, steps, instance):
            outcomes.append(outcome)
            progress.advance(task)
    return outcomes


def _print_summary(outcomes: list[RunOutcome]) -> None:
    table = Table(
        "asset", "partition", "metadata", title="Materialized assets", title_justify="left"
    )
    for outcome in outcomes:
        for item in outcome.materializations:
            table.add_row(item.asset_key, item.partition or "", _format_metadata(item.metadata))
    console.print(table)


def _format_metadata(metadata: dict[str, object]) -> str:
    lines = []
    for name, value in metadata.items():
        text = str(value)
        if len(text) > MAX_METADATA_TEXT:
            text = text[: MAX_METADATA_TEXT - 1] + "…"
        lines.append(f"{name}: {text}")
    return "\n".join(lines)


def _print_skipped(skipped: list[str]) -> None:
    for reason in skipped:
        console.print(f"[yellow]Skipped[/yellow] {reason}")

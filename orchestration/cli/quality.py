"""`tieout quality`: run the GX gates, build their Data Docs and rewrite the suites."""

from __future__ import annotations

import uuid
from typing import Annotated

import dagster as dg
import psycopg
import typer
from rich.table import Table

from orchestration.cli.common import console, error_console, prepare_environment
from orchestration.settings import load_settings

app = typer.Typer(help="Run the data-quality gates and show their results.", no_args_is_help=True)


@app.command()
def run(
    asset: Annotated[
        list[str] | None,
        typer.Option(
            "--asset",
            "-a",
            help="Asset key to validate, such as raw/stripe__invoice. Repeat for several; "
            "omit to validate every gate whose table exists.",
        ),
    ] = None,
) -> None:
    """Validate the gated tables now, store the results and print a table.

    Exits with code 1 when any suite fails.
    """
    from orchestration.quality.gates import ALL_GATES, gate_for
    from orchestration.quality.results import store_outcomes
    from orchestration.quality.runner import QualityPaths, run_gate

    settings = load_settings()
    info = prepare_environment(settings)
    paths = QualityPaths.from_settings(settings)
    run_id = f"cli-{uuid.uuid4().hex[:12]}"

    try:
        gates = (
            [gate_for(dg.AssetKey.from_user_string(key)) for key in asset] if asset else ALL_GATES
        )
    except KeyError as error:
        error_console.print(f"{error.args[0]} Run `tieout quality run` without --asset to see all.")
        raise typer.Exit(code=2) from error

    table = Table("asset", "suite", "result", "evaluated", "failed", "failed expectations")
    table.columns[0].no_wrap = True
    table.columns[1].no_wrap = True
    skipped = []
    failed = False
    with psycopg.connect(info.libpq_url()) as connection:
        for gate in gates:
            if not _gate_tables_exist(connection, gate):
                skipped.append(gate.asset_key.to_user_string())
                continue

            with console.status(f"Validating {gate.asset_key.to_user_string()}"):
                outcomes = run_gate(gate, info.sqlalchemy_url("psycopg2"), paths, run_id)
            store_outcomes(connection, run_id, outcomes)
            connection.commit()

            for outcome in outcomes:
                failed = failed or not outcome.success
                table.add_row(
                    outcome.asset_key,
                    outcome.suite_name,
                    "[green]passed[/green]" if outcome.success else "[red]failed[/red]",
                    str(outcome.evaluated),
                    str(outcome.failed),
                    outcome.error or "\n".join(outcome.failed_types),
                )

    console.print(table)
    if skipped:
        console.print(f"Skipped, table not found: {', '.join(skipped)}")
    console.print(f"Run id {run_id}. Data Docs: {paths.data_docs_index}")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def docs() -> None:
    """Rebuild the GX Data Docs from the stored results and print the path of index.html."""
    from orchestration.quality.runner import QualityPaths, build_data_docs

    paths = QualityPaths.from_settings(load_settings())
    with console.status("Building Data Docs"):
        index = build_data_docs(paths)
    typer.echo(str(index))


@app.command()
def suites(
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit with code 1 when a file is out of date."),
    ] = False,
) -> None:
    """Rewrite the suite JSON files under expectations/ from the object specs and mart columns."""
    from orchestration.quality.suites import (
        build_all_suites,
        suite_path,
        suite_to_json,
        write_suites,
    )

    settings = load_settings()
    built = build_all_suites()
    if not check:
        for path in write_suites(settings.expectations_dir, built):
            console.print(f"Wrote {path.relative_to(settings.project_root)}")
        return

    stale = []
    for suite in built:
        path = suite_path(settings.expectations_dir, suite.name)
        if not path.exists() or path.read_text() != suite_to_json(suite):
            stale.append(path.relative_to(settings.project_root))
    for path in stale:
        error_console.print(f"Out of date: {path}. Run `tieout quality suites` to rewrite it.")
    if stale:
        raise typer.Exit(code=1)


def _gate_tables_exist(connection: psycopg.Connection, gate) -> bool:
    names = (
        ["raw._latest_loads", f"raw.{gate.table}"]
        if gate.is_raw
        else [f"{gate.asset_key.path[0]}.{gate.table}"]
    )
    row = connection.execute(
        "select bool_and(to_regclass(name) is not null) from unnest(%s::text[]) as name",
        (names,),
    ).fetchone()
    return bool(row and row[0])

"""`tieout report`: write the close report of one period as a self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import psycopg
import typer

from orchestration.cli.common import console, error_console
from orchestration.close.calendar import parse_period
from orchestration.close.dbt_cli import DbtCommandError
from orchestration.close.report import build_report, default_report_path
from orchestration.database import ensure_database, export_environment
from orchestration.settings import load_settings


def report(
    period: Annotated[str, typer.Option(help="Accounting period as YYYY-MM.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Output HTML file. Default: TIEOUT_HOME/reports/close-PERIOD.html."),
    ] = None,
    with_dbt_docs: Annotated[
        bool,
        typer.Option(
            "--with-dbt-docs", help="Also generate the dbt docs into dbt-docs/ beside the report."
        ),
    ] = False,
) -> None:
    """Write the close report: match rates, unmatched amounts, AR tie-out, posting, readiness."""
    try:
        parse_period(period)
    except ValueError as error:
        error_console.print(str(error))
        raise typer.Exit(code=1) from None

    settings = load_settings()
    info = ensure_database(settings)
    export_environment(info, settings)
    out_path = out or default_report_path(settings, period)

    try:
        with psycopg.connect(info.libpq_url()) as conn:
            written = build_report(conn, settings, period, out_path, with_dbt_docs)
    except DbtCommandError as error:
        error_console.print(str(error))
        raise typer.Exit(code=1) from None

    console.print(f"Wrote the close report of {period} to {written}")

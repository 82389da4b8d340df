"""`tieout close` (sign-offs) and `tieout bi` (the read-only BI role)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.table import Table

from orchestration.cli.common import console, error_console
from orchestration.close.bi import BI_ROLE, BI_SCHEMA, bi_connection, ensure_bi_role
from orchestration.close.config import BI_PASSWORD_VARIABLE, load_close_settings
from orchestration.close.signoff import (
    SignoffExistsError,
    list_signoffs,
    load_signoffs_file,
    record_signoff,
)
from orchestration.close.status import restated_for, restatement_counts
from orchestration.database import ConnectionInfo, ensure_database
from orchestration.settings import load_settings

app = typer.Typer(help="Sign periods off and show their close status.", no_args_is_help=True)
bi_app = typer.Typer(help="Manage the read-only role for BI tools.", no_args_is_help=True)


@app.command()
def signoff(
    period: Annotated[str, typer.Argument(help="Accounting period as YYYY-MM.")],
    by: Annotated[str, typer.Option("--by", help="Name of the person signing off.")],
    subsidiary: Annotated[
        int | None,
        typer.Option("--subsidiary", help="NetSuite subsidiary id. Omit to sign off all."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Sign off again a period already signed off.")
    ] = False,
) -> None:
    """Record that PERIOD is signed off; later changes to its documents become exceptions."""
    info = _connection()
    try:
        with psycopg.connect(info.libpq_url()) as conn:
            signed = record_signoff(conn, period, by, subsidiary, replace=replace)
    except (ValueError, SignoffExistsError) as error:
        error_console.print(str(error))
        raise typer.Exit(code=1) from None

    scope = "all subsidiaries" if subsidiary is None else f"subsidiary {subsidiary}"
    console.print(
        f"Signed off {signed.period} for {scope} by {signed.signed_off_by} "
        f"at {signed.signed_off_at.isoformat(timespec='seconds')}."
    )


@app.command("load-signoffs")
def load_signoffs(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV file with columns subsidiary_id, period, signed_off_by, signed_off_at."
        ),
    ],
) -> None:
    """Load sign-offs from a CSV file, replacing stored ones of the same subsidiary and period."""
    info = _connection()
    try:
        with psycopg.connect(info.libpq_url()) as conn:
            count = load_signoffs_file(conn, path)
    except (OSError, ValueError) as error:
        error_console.print(str(error))
        raise typer.Exit(code=1) from None

    console.print(f"Loaded {count} sign-offs from {path}.")


@app.command()
def status() -> None:
    """List signed-off periods with the number of documents restated since each sign-off."""
    info = _connection()
    with psycopg.connect(info.libpq_url()) as conn:
        signoffs = list_signoffs(conn)
        counts = restatement_counts(conn)

    if not signoffs:
        console.print("No period is signed off yet: run `tieout close signoff PERIOD --by NAME`.")
        return

    table = Table(
        "period",
        "subsidiary",
        "signed off by",
        "signed off at",
        "restated documents",
        title="Signed-off periods",
        title_justify="left",
    )
    for item in signoffs:
        if counts is None:
            restated = "not built"
        else:
            restated = str(restated_for(counts, item.subsidiary_id, item.period))
        table.add_row(
            item.period,
            "all" if item.subsidiary_id is None else str(item.subsidiary_id),
            item.signed_off_by,
            item.signed_off_at.isoformat(timespec="seconds"),
            restated,
        )
    console.print(table)
    if counts is None:
        console.print(
            "finance.restated_after_signoff does not exist yet: run the dbt build "
            "(`tieout demo` or the daily sync) to detect restatements."
        )


@bi_app.command()
def grant() -> None:
    """Create or update the role tieout_bi, which can only read the finance schema."""
    settings = load_settings()
    password = load_close_settings().bi_password
    if password is None and not settings.uses_embedded_database:
        error_console.print(
            f"Missing {BI_PASSWORD_VARIABLE}: a server named by TIEOUT_DATABASE_URL needs a "
            f"password for the role {BI_ROLE}. Set {BI_PASSWORD_VARIABLE} and run again."
        )
        raise typer.Exit(code=1)

    info = _connection()
    with psycopg.connect(info.libpq_url()) as conn:
        ensure_bi_role(conn, password)

    console.print(
        f"Role {BI_ROLE} can log in to {info.database} on {info.host}:{info.port} and read "
        f"schema {BI_SCHEMA}. Run `tieout bi url` for its connection string."
    )


@bi_app.command()
def url() -> None:
    """Print the connection string of the role tieout_bi, for a BI tool."""
    info = _connection()
    typer.echo(bi_connection(info, load_close_settings().bi_password).libpq_url())


def _connection() -> ConnectionInfo:
    return ensure_database(load_settings())

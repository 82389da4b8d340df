"""`tieout db`: start, stop and inspect the PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
from typing import Annotated

import psycopg
import typer
from rich.table import Table

from orchestration.cli.common import console, error_console, prepare_environment
from orchestration.database import (
    dagster_connection,
    embedded_status,
    ensure_database,
    parse_database_url,
    stop_embedded,
)
from orchestration.database.connection import ConnectionInfo
from orchestration.database.embedded import embedded_connection
from orchestration.settings import load_settings

app = typer.Typer(help="Start, stop and inspect the PostgreSQL server.", no_args_is_help=True)


@app.command()
def up() -> None:
    """Start the embedded server (or reuse it) and create the databases and schemas.

    With TIEOUT_DATABASE_URL set, nothing is started: the databases and schemas are
    created on that server when missing.
    """
    settings = load_settings()
    with console.status("Preparing PostgreSQL"):
        info = ensure_database(settings)

    table = Table("setting", "value", title="PostgreSQL", title_justify="left")
    table.add_row("server", "embedded" if settings.uses_embedded_database else "external")
    table.add_row("address", f"{info.host}:{info.port}")
    table.add_row("warehouse database", info.database)
    table.add_row("Dagster database", dagster_connection(info, settings).database)
    console.print(table)


@app.command()
def down() -> None:
    """Stop the embedded server. An external server is never stopped."""
    settings = load_settings()
    if not settings.uses_embedded_database:
        console.print("TIEOUT_DATABASE_URL is set, so tieout does not manage that server.")
        return

    if stop_embedded(settings):
        console.print("Stopped the embedded PostgreSQL server.")
    else:
        console.print("The embedded PostgreSQL server was not running.")


@app.command()
def status() -> None:
    """Show the server's address and state. Exits with code 1 when it is not reachable."""
    settings = load_settings()
    table = Table("setting", "value", title="PostgreSQL", title_justify="left")

    if settings.uses_embedded_database:
        state = embedded_status(settings)
        for key, value in state.items():
            table.add_row(key, "" if value is None else str(value))
        reachable = bool(state["ready"])
    else:
        info = parse_database_url(settings.database_url)
        reachable = _can_connect(info)
        table.add_row("server", "external (TIEOUT_DATABASE_URL)")
        table.add_row("address", f"{info.host}:{info.port}")
        table.add_row("database", info.database)
        table.add_row("ready", str(reachable))

    console.print(table)
    if not reachable:
        raise typer.Exit(code=1)


@app.command()
def url(
    driver: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy driver, e.g. psycopg2 or psycopg. Omit for a libpq URL."),
    ] = None,
    dagster: Annotated[
        bool, typer.Option("--dagster", help="Print the Dagster database URL instead.")
    ] = False,
) -> None:
    """Print the connection URL of the warehouse database, including any password."""
    settings = load_settings()
    info = _current_connection()
    if dagster:
        info = dagster_connection(info, settings)

    typer.echo(info.sqlalchemy_url(driver) if driver else info.libpq_url())


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run(context: typer.Context) -> None:
    """Run a command with the database environment exported, e.g. `tieout db run -- dbt build`.

    The server is started first when it is the embedded one. dbt, sqlfluff's dbt
    templater and GX read the connection from the exported TIEOUT_PG_* variables.
    """
    if not context.args:
        error_console.print(
            "Give the command to run after `--`, e.g. `tieout db run -- dbt debug`."
        )
        raise typer.Exit(code=2)

    prepare_environment(load_settings())
    completed = subprocess.run(context.args, env=os.environ.copy(), check=False)
    raise typer.Exit(code=completed.returncode)


def _current_connection() -> ConnectionInfo:
    settings = load_settings()
    if not settings.uses_embedded_database:
        return parse_database_url(settings.database_url)

    state = embedded_status(settings)
    if not state["running"]:
        error_console.print("The embedded PostgreSQL server is not running: run `tieout db up`.")
        raise typer.Exit(code=1)

    return embedded_connection(state["port"])


def _can_connect(info: ConnectionInfo) -> bool:
    try:
        with psycopg.connect(info.libpq_url(), connect_timeout=5):
            return True
    except psycopg.Error:
        return False

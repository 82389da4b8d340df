"""`tieout erp-sandbox`: run the local ERP, seed its ledger and export it as a snapshot."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.table import Table

from orchestration.cli.common import console, error_console
from orchestration.database import ensure_database
from orchestration.posting.sandbox.faults import FaultConfig
from orchestration.posting.sandbox.ledger import export_snapshot, seed_ledger
from orchestration.posting.sandbox.server import DEFAULT_PORT, LISTEN_HOST, serve
from orchestration.settings import load_settings

app = typer.Typer(
    help="Run the ERP sandbox: a NetSuite-shaped ledger with a REST API on 127.0.0.1.",
    no_args_is_help=True,
)


def _database_url() -> str:
    return ensure_database(load_settings()).libpq_url()


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option(help=f"TCP port on {LISTEN_HOST}.")] = DEFAULT_PORT,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="NetSuite snapshot folder (or snapshot root) to seed the ledger from first; "
            "without it the ledger keeps its current contents."
        ),
    ] = None,
    error_rate: Annotated[
        float | None,
        typer.Option(help="Fraction of journal requests that fail with a 500 response."),
    ] = None,
    timeout_rate: Annotated[
        float | None,
        typer.Option(help="Fraction of journal requests whose response hangs for --hang-seconds."),
    ] = None,
    latency_ms: Annotated[
        float | None, typer.Option(help="Milliseconds added to every journal request.")
    ] = None,
    hang_seconds: Annotated[
        float | None, typer.Option(help="Seconds a hanging response waits before it is sent.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the fault generator.")] = None,
) -> None:
    """Serve the sandbox API until interrupted.

    Fault options override the TIEOUT_ERP_SANDBOX_ERROR_RATE, _TIMEOUT_RATE, _LATENCY_MS,
    _HANG_SECONDS and _SEED variables; PUT /admin/faults changes them while it runs.
    """
    faults = FaultConfig.from_environment()
    overrides = {
        "error_rate": error_rate,
        "timeout_rate": timeout_rate,
        "latency_ms": latency_ms,
        "hang_seconds": hang_seconds,
        "seed": seed,
    }
    faults = faults.model_copy(
        update={key: value for key, value in overrides.items() if value is not None}
    )
    faults = FaultConfig.model_validate(faults.model_dump())

    url = _database_url()
    console.print(f"ERP sandbox on http://{LISTEN_HOST}:{port} (Ctrl+C stops it)")
    serve(url, port, faults, snapshot, log_level="info")


@app.command()
def seed(
    snapshot: Annotated[
        Path, typer.Argument(help="NetSuite snapshot folder, netsuite/ folder or snapshot root.")
    ],
) -> None:
    """Replace the sandbox ledger with a NetSuite snapshot; posted journals are dropped."""
    try:
        with psycopg.connect(_database_url(), autocommit=True) as connection:
            counts = seed_ledger(connection, snapshot)
    except FileNotFoundError as error:
        error_console.print(str(error))
        raise typer.Exit(code=1) from None

    table = Table("object", "rows", title="ERP sandbox ledger", title_justify="left")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)


@app.command()
def export(
    snapshot_root: Annotated[
        Path | None,
        typer.Option(
            help="Snapshot root to write netsuite/<time>/ under; default TIEOUT_SNAPSHOTS."
        ),
    ] = None,
    extracted_at: Annotated[
        datetime | None,
        typer.Option(help="Extraction time (UTC); moved later when a newer snapshot exists."),
    ] = None,
) -> None:
    """Write the ledger, with every posted journal, as a new NetSuite snapshot folder."""
    settings = load_settings()
    root = snapshot_root or settings.snapshot_root
    with psycopg.connect(ensure_database(settings).libpq_url(), autocommit=True) as connection:
        folder = export_snapshot(connection, root, extracted_at)
    console.print(f"Exported the ERP sandbox ledger to {folder}")

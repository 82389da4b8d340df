"""The `tieout` command line.

A new command group is a module in this package with its own `typer.Typer()`, added
below with one `app.add_typer` line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from orchestration.cli import close, db, erp_sandbox, journals, quality
from orchestration.cli.common import configure_logging
from orchestration.cli.demo import demo
from orchestration.cli.generate import generate
from orchestration.cli.report import report
from orchestration.cli.ui import ui

app = typer.Typer(
    help="tieout: reconcile CRM, billing and general ledger data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def configure(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug messages.")] = False,
) -> None:
    """Set up logging before any command runs."""
    configure_logging(verbose)


app.add_typer(db.app, name="db")
app.add_typer(close.app, name="close")
app.add_typer(close.bi_app, name="bi")
app.add_typer(quality.app, name="quality")
app.add_typer(journals.app, name="journals")
app.add_typer(erp_sandbox.app, name="erp-sandbox")
app.command()(generate)
app.command()(demo)
app.command()(ui)
app.command()(report)


def main() -> None:
    """Run the command line; the `tieout` console script calls this."""
    app()

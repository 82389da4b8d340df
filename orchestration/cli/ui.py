"""`tieout ui`: run the Dagster webserver and daemon against the tieout database."""

from __future__ import annotations

import os
import shutil
from typing import Annotated

import typer

from orchestration.cli.common import error_console, prepare_environment
from orchestration.settings import load_settings


def ui(
    port: Annotated[int, typer.Option(help="TCP port of the webserver on 127.0.0.1.")] = 3000,
) -> None:
    """Start `dagster dev` on 127.0.0.1 with the code location from workspace.yaml."""
    settings = load_settings()
    prepare_environment(settings)

    dagster = shutil.which("dagster")
    if dagster is None:
        error_console.print("The `dagster` command was not found on PATH: run `make venv`.")
        raise typer.Exit(code=1)

    # workspace.yaml names the code location relative to the repository root.
    os.chdir(settings.project_root)
    command = ["dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    os.execve(dagster, command, os.environ)

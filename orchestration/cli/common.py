"""Helpers shared by the command modules: console output and environment setup."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from rich.console import Console
from rich.logging import RichHandler

from orchestration.dagster_instance import write_dagster_yaml
from orchestration.database import ConnectionInfo, ensure_database, export_environment
from orchestration.settings import Settings

console = Console()
error_console = Console(stderr=True)


def configure_logging(verbose: bool) -> None:
    """Send tieout's log records to stderr, and other libraries' too with `verbose`."""
    if error_console.is_terminal:
        handler: logging.Handler = RichHandler(console=error_console, show_path=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        # Wrapped Rich output would split a log line in files and CI logs.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logging.getLogger("tieout").setLevel(logging.DEBUG if verbose else logging.INFO)
    if verbose:
        logging.getLogger().setLevel(logging.INFO)


def prepare_environment(settings: Settings) -> ConnectionInfo:
    """Provision the database, export its environment and write dagster.yaml."""
    with console.status("Preparing PostgreSQL"):
        info = ensure_database(settings)

    export_environment(info, settings)
    write_dagster_yaml(settings, info)
    return info


def import_optional(module_name: str) -> ModuleType | None:
    """Import `module_name`, or return None when that module does not exist.

    An import error raised inside an existing module propagates.
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return None
        raise

"""`tieout generate`: write sample snapshots with an answer key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.common import console, error_console, import_optional
from orchestration.settings import load_settings

GENERATOR_MODULE = "orchestration.generator"


def run_generator(
    out_dir: Path, seed: int = 7, months: int = 6, scale: str = "demo"
) -> Path | None:
    """Run the sample-data generator into `out_dir`; return None if it does not exist yet."""
    generator = import_optional(GENERATOR_MODULE)
    if generator is None:
        return None

    with console.status(f"Generating {months} months of sample data into {out_dir}"):
        return generator.generate(out_dir=out_dir, seed=seed, months=months, scale=scale)


def generate(
    out_dir: Annotated[
        Path | None, typer.Option(help="Output folder. Default: TIEOUT_HOME/generated.")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed writes the same files.")
    ] = 7,
    months: Annotated[int, typer.Option(help="Months of history to generate.")] = 6,
    scale: Annotated[str, typer.Option(help="Data volume preset, such as demo.")] = "demo",
) -> None:
    """Write CRM, billing and ERP snapshots with injected exceptions and their answer key."""
    settings = load_settings()
    written = run_generator(out_dir or settings.generated_dir, seed, months, scale)
    if written is None:
        error_console.print(
            f"The sample-data generator ({GENERATOR_MODULE}) does not exist yet, "
            "so nothing was generated."
        )
        raise typer.Exit(code=1)

    console.print(f"Wrote sample data to {written}")

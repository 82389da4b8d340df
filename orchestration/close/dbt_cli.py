"""Run dbt commands of the close (restatement build, docs) in a subprocess."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.settings import Settings

logger = logging.getLogger("tieout.close")


class DbtCommandError(RuntimeError):
    """A dbt command exited with a non-zero code."""


def dbt_arguments(settings: Settings, command: list[str], target_path: Path) -> list[str]:
    """Return the argument list of a dbt command on the project, writing to `target_path`.

    A separate target path keeps the run from overwriting the manifest of another dbt
    run working on the same project at the same time.
    """
    return [
        *command,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]


def run_dbt(settings: Settings, command: list[str], target_path: Path) -> str:
    """Run dbt and return its output. Raises DbtCommandError with the output when it fails.

    The environment must carry the connection variables that profiles.yml reads
    (`orchestration.database.export_environment` sets them).
    """
    arguments = [_dbt_executable(), *dbt_arguments(settings, command, target_path)]
    logger.info("Running %s", " ".join(arguments))
    completed = subprocess.run(arguments, capture_output=True, text=True, check=False)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise DbtCommandError(
            f"dbt {' '.join(command)} failed with exit code {completed.returncode}:\n{output}"
        )
    return output


def _dbt_executable() -> str:
    # The dbt installed beside this Python comes first, as in the virtual environment.
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise DbtCommandError("dbt not found: install tieout with `make venv`.")
    return found

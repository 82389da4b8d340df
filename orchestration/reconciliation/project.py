"""The dbt project of tieout and its manifest, prepared when the code location loads."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import load_settings

# Rendering profiles.yml needs these variables but parsing opens no connection, so
# placeholders stand in for the ones that are unset while the manifest is built.
PARSE_PLACEHOLDERS = {
    "TIEOUT_PG_HOST": "127.0.0.1",
    "TIEOUT_PG_PORT": "5432",
    "TIEOUT_PG_USER": "postgres",
    "TIEOUT_PG_DATABASE": "tieout",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}


def dbt_executable() -> str:
    """Return the dbt installed beside this Python, falling back to `dbt` on PATH."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else "dbt"


@contextlib.contextmanager
def parse_environment() -> Iterator[None]:
    """Prepare os.environ for `dbt parse` and restore it afterwards.

    Sets the placeholders that are missing and puts this environment's dbt first on
    PATH, because dagster-dbt's manifest preparation runs the `dbt` found there.
    """
    saved = {name: os.environ.get(name) for name in (*PARSE_PLACEHOLDERS, "PATH")}
    for name, value in PARSE_PLACEHOLDERS.items():
        os.environ.setdefault(name, value)
    executable_dir = str(Path(dbt_executable()).parent)
    if executable_dir != ".":
        os.environ["PATH"] = os.pathsep.join([executable_dir, os.environ.get("PATH", "")])
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# Files under the project folder whose changes need a new manifest.
PROJECT_FILE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv"})
# Folders of the project that hold no sources: dbt's output and installed packages.
GENERATED_DIRS = frozenset({"target", "dbt_packages", "logs"})


def manifest_is_stale(project_dir: Path, manifest_path: Path) -> bool:
    """Whether `manifest_path` is missing or older than a source file of the project."""
    if not manifest_path.exists():
        return True
    built_at = manifest_path.stat().st_mtime
    for directory, subdirs, files in os.walk(project_dir):
        subdirs[:] = [name for name in subdirs if name not in GENERATED_DIRS]
        for name in files:
            path = Path(directory, name)
            if path.suffix in PROJECT_FILE_SUFFIXES and path.stat().st_mtime > built_at:
                return True
    return False


def load_dbt_project(target_path: Path | None = None, *, parse: bool = False) -> DbtProject:
    """Return the project with a manifest, running `dbt parse` when it is stale or missing.

    Under `dagster dev` the manifest is rebuilt on every load, so model edits show up.
    Elsewhere it is built when it does not exist yet, as in a fresh clone, or when a
    model, macro, seed or project file changed after it was built.
    `parse` rebuilds it in any case, for example after the connection variables changed,
    since the manifest records the database name. `target_path` defaults to
    `dbt_project/target`.
    """
    settings = load_settings()
    project = DbtProject(
        project_dir=settings.dbt_project_dir,
        profiles_dir=settings.dbt_project_dir,
        target_path=target_path or Path("target"),
    )
    with parse_environment():
        project.prepare_if_dev()
        if parse or manifest_is_stale(settings.dbt_project_dir, project.manifest_path):
            project.preparer.prepare(project)
    return project

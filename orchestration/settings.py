"""Map environment variables to paths and database URLs.

This module is the only place that reads the TIEOUT_* environment variables. Everything else
receives a `Settings` object, so a test can build one from a plain dictionary.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

HOME_VARIABLE = "TIEOUT_HOME"
DATABASE_URL_VARIABLE = "TIEOUT_DATABASE_URL"
DAGSTER_DATABASE_URL_VARIABLE = "TIEOUT_DAGSTER_DATABASE_URL"
SNAPSHOTS_VARIABLE = "TIEOUT_SNAPSHOTS"
DAGSTER_HOME_VARIABLE = "DAGSTER_HOME"
FIRST_PERIOD_VARIABLE = "TIEOUT_FIRST_PERIOD"

# First accounting period (YYYY-MM) of the monthly partitions. The default is the first
# month of the sample data that `tieout generate` writes: six months ending 2026-11.
DEFAULT_FIRST_PERIOD = "2026-06"
PERIOD_PATTERN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

# URL schemes accepted for a PostgreSQL server: libpq's two spellings and the SQLAlchemy
# dialect names with a driver. All of them are stored as plain `postgresql://`.
POSTGRES_SCHEMES = frozenset(
    {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg", "postgresql+psycopg3"}
)


@dataclass(frozen=True)
class Settings:
    """Paths and database URLs for one tieout installation."""

    home: Path
    database_url: str | None
    dagster_database_url: str | None
    dagster_home: Path
    snapshot_root: Path
    generated_dir: Path
    quarantine_dir: Path
    project_root: Path
    dbt_project_dir: Path
    expectations_dir: Path
    first_period: str

    @property
    def uses_embedded_database(self) -> bool:
        """Whether tieout runs its own PostgreSQL server under `home`."""
        return self.database_url is None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from `environ`, or from `os.environ` when it is None.

    Raises ValueError when a database URL is not a PostgreSQL URL or the first period is
    not YYYY-MM.
    """
    if environ is None:
        environ = os.environ

    home = _path_from(environ, HOME_VARIABLE, PROJECT_ROOT / ".tieout")
    generated_dir = home / "generated"

    return Settings(
        home=home,
        database_url=normalize_database_url(environ.get(DATABASE_URL_VARIABLE)),
        dagster_database_url=normalize_database_url(environ.get(DAGSTER_DATABASE_URL_VARIABLE)),
        dagster_home=_path_from(environ, DAGSTER_HOME_VARIABLE, home / "dagster"),
        snapshot_root=_path_from(environ, SNAPSHOTS_VARIABLE, generated_dir / "snapshots"),
        generated_dir=generated_dir,
        quarantine_dir=home / "quarantine",
        project_root=PROJECT_ROOT,
        dbt_project_dir=PROJECT_ROOT / "dbt_project",
        expectations_dir=PROJECT_ROOT / "expectations",
        first_period=_period_from(environ, FIRST_PERIOD_VARIABLE, DEFAULT_FIRST_PERIOD),
    )


def normalize_database_url(url: str | None) -> str | None:
    """Return `url` with its scheme rewritten to plain `postgresql://`.

    Blank values count as unset and return None. The driver is dropped because each caller
    picks its own: SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3, Dagster's storage
    uses psycopg2, and dbt takes host and port separately.
    """
    if url is None or not url.strip():
        return None

    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in POSTGRES_SCHEMES:
        raise ValueError(
            f"Invalid database URL scheme {parts.scheme!r}: expected postgresql:// "
            "(or postgresql+psycopg2://, postgresql+psycopg://)."
        )

    return urlunsplit(parts._replace(scheme="postgresql"))


def _period_from(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not PERIOD_PATTERN.fullmatch(value):
        raise ValueError(f"Invalid {name} {value!r}: expected an accounting period YYYY-MM.")
    return value


def _path_from(environ: Mapping[str, str], name: str, default: Path) -> Path:
    value = environ.get(name, "").strip()
    if not value:
        return default

    # Relative paths are taken from the repository root, not the caller's working
    # directory, so `tieout` behaves the same from any folder.
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return path

"""Write the Dagster instance configuration (dagster.yaml) into DAGSTER_HOME."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.database.connection import ConnectionInfo
from orchestration.settings import Settings

# At most this many runs execute at once; further runs wait in the queue. Each run opens
# its own warehouse connections, so the limit also bounds load on PostgreSQL.
MAX_CONCURRENT_RUNS = 4


def write_dagster_yaml(settings: Settings, info: ConnectionInfo) -> Path:
    """Write DAGSTER_HOME/dagster.yaml and return its path.

    Run, event log and schedule storage live in PostgreSQL through dagster-postgres. The
    file names only the environment variable TIEOUT_DAGSTER_PG_URL, never a password, so
    `export_environment(info, settings)` must run before Dagster reads it, with the same
    `info` that is passed here.
    """
    settings.dagster_home.mkdir(parents=True, exist_ok=True)

    path = settings.dagster_home / "dagster.yaml"
    path.write_text(yaml.safe_dump(instance_config(), sort_keys=False))
    return path


def instance_config() -> dict:
    """Return the content of dagster.yaml as a dictionary."""
    return {
        "storage": {"postgres": {"postgres_url": {"env": "TIEOUT_DAGSTER_PG_URL"}}},
        # Runs launched from the UI, schedules and sensors wait in a queue that the daemon
        # started by `dagster dev` works through, each run in its own process.
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": MAX_CONCURRENT_RUNS},
        },
        "run_launcher": {
            "module": "dagster.core.launcher",
            "class": "DefaultRunLauncher",
        },
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},
    }

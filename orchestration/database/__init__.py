"""PostgreSQL for tieout: the embedded server, provisioning and connection details."""

from orchestration.database.connection import ConnectionInfo, parse_database_url, redact_url
from orchestration.database.embedded import embedded_status, start_embedded, stop_embedded
from orchestration.database.environment import export_environment
from orchestration.database.provision import (
    WAREHOUSE_SCHEMAS,
    dagster_connection,
    ensure_database,
)

__all__ = [
    "WAREHOUSE_SCHEMAS",
    "ConnectionInfo",
    "dagster_connection",
    "embedded_status",
    "ensure_database",
    "export_environment",
    "parse_database_url",
    "redact_url",
    "start_embedded",
    "stop_embedded",
]

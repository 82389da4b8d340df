"""Run the ERP sandbox with uvicorn on the loopback interface."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
import uvicorn

from orchestration.posting.sandbox.app import create_app
from orchestration.posting.sandbox.faults import FaultConfig
from orchestration.posting.sandbox.ledger import seed_ledger

logger = logging.getLogger("tieout.erp_sandbox")

# The sandbox is a development and test tool; it never listens beyond this machine.
LISTEN_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def serve(
    database_url: str,
    port: int = DEFAULT_PORT,
    faults: FaultConfig | None = None,
    snapshot: Path | None = None,
    log_level: str = "warning",
) -> None:
    """Seed the ledger from `snapshot` when given, then serve until interrupted."""
    if snapshot is not None:
        with psycopg.connect(database_url, autocommit=True) as connection:
            seed_ledger(connection, snapshot)

    app = create_app(database_url, faults or FaultConfig.from_environment())
    logger.info("ERP sandbox listening on http://%s:%d", LISTEN_HOST, port)
    uvicorn.run(app, host=LISTEN_HOST, port=port, log_level=log_level, access_log=False)

"""The posting round trip that `tieout demo` shows after the first build.

Proposed batches are approved by a named controller, the approved-batches sensor is
evaluated, and each run it requests posts to an ERP sandbox on 127.0.0.1. The sandbox
then exports its ledger as a new NetSuite snapshot, which the next build ingests, so
the INVOICE_NOT_POSTED exceptions of the posted documents close.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
import uvicorn

from orchestration.ingestion.objects import NETSUITE
from orchestration.ingestion.snapshots import parse_snapshot_time
from orchestration.posting.approvals import ApprovalError, approve_batch
from orchestration.posting.sandbox.app import create_app
from orchestration.posting.sandbox.faults import FaultConfig
from orchestration.posting.sandbox.ledger import export_snapshot, seed_ledger
from orchestration.posting.sandbox.server import LISTEN_HOST
from orchestration.resources import build_resources

# The person who approves the demo's batches; the preparer is tieout itself, and the
# database rejects an approval by the preparer.
DEMO_APPROVER = "demo-controller"
SENSOR_NAME = "approved_batches_sensor"
POSTING_JOB = "post_journals_job"
SERVER_START_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class PostingRound:
    """What one round trip did: batches approved, runs launched, the exported snapshot."""

    approved: tuple[str, ...]
    rejected_approvals: tuple[str, ...]
    runs: tuple[tuple[str, bool], ...]
    exported_snapshot: Path | None


def free_loopback_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LISTEN_HOST, 0))
        return probe.getsockname()[1]


def latest_snapshot(snapshot_root: Path, source: str) -> Path | None:
    """Return the newest snapshot folder of `source`, by the extraction time in its name."""
    source_dir = snapshot_root / source
    if not source_dir.is_dir():
        return None

    dated = []
    for child in source_dir.iterdir():
        try:
            dated.append((parse_snapshot_time(child.name), child))
        except ValueError:
            continue
    return max(dated)[1] if dated else None


@contextmanager
def running_sandbox(libpq_url: str, port: int) -> Iterator[str]:
    """Serve the ERP sandbox on 127.0.0.1:`port` in a thread; yield its base URL."""
    app = create_app(libpq_url, FaultConfig())
    config = uvicorn.Config(app, host=LISTEN_HOST, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="erp-sandbox", daemon=True)
    thread.start()

    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"The ERP sandbox did not start on {LISTEN_HOST}:{port}.")
        time.sleep(0.05)

    try:
        yield f"http://{LISTEN_HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_SECONDS)


def approve_proposed_batches(libpq_url: str) -> tuple[list[str], list[str]]:
    """Approve every proposed batch as DEMO_APPROVER; return approved and refused ids."""
    approved, refused = [], []
    with psycopg.connect(libpq_url) as connection:
        batch_ids = [
            row[0]
            for row in connection.execute(
                "select batch_id from posting.batches where state = 'proposed' order by batch_id"
            )
        ]
        for batch_id in batch_ids:
            try:
                approve_batch(connection, batch_id, DEMO_APPROVER)
                approved.append(batch_id)
            except ApprovalError:
                refused.append(batch_id)
    return approved, refused


def launch_requested_runs(
    defs: dg.Definitions, instance: dg.DagsterInstance
) -> list[tuple[str, bool]]:
    """Evaluate the approved-batches sensor once and run each posting run it requests.

    The runs execute in this process, as the daemon would launch them, with the run key
    and tags the sensor chose. Returns each run's batch tag and success.
    """
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    job = defs.resolve_job_def(POSTING_JOB)
    with dg.build_sensor_context(instance=instance, resources=build_resources()) as context:
        result = sensor.evaluate_tick(context)

    outcomes = []
    for request in result.run_requests or []:
        run = job.execute_in_process(
            run_config=request.run_config,
            instance=instance,
            tags={**request.tags, "dagster/run_key": request.run_key or ""},
            raise_on_error=False,
        )
        outcomes.append((request.tags.get("tieout/batch_id", run.run_id), run.success))
    return outcomes


def post_and_export(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    libpq_url: str,
    snapshot_root: Path,
    port: int,
) -> PostingRound:
    """Approve, post through the sensor and job, and export the sandbox ledger."""
    approved, refused = approve_proposed_batches(libpq_url)
    if not approved:
        return PostingRound((), tuple(refused), (), None)

    seed_folder = latest_snapshot(snapshot_root, NETSUITE)
    if seed_folder is None:
        raise FileNotFoundError(f"No NetSuite snapshot under {snapshot_root} to seed the sandbox.")

    with psycopg.connect(libpq_url, autocommit=True) as connection:
        seed_ledger(connection, seed_folder)

    with running_sandbox(libpq_url, port):
        runs = launch_requested_runs(defs, instance)

    with psycopg.connect(libpq_url, autocommit=True) as connection:
        exported = export_snapshot(connection, snapshot_root)

    return PostingRound(tuple(approved), tuple(refused), tuple(runs), exported)

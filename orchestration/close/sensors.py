"""The run-failure sensor: every failed run of the code location lands in ops.run_failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import psycopg

from orchestration.close.tables import ensure_close_tables
from orchestration.resources import WarehouseResource


@dataclass(frozen=True)
class RunFailure:
    """A failed run as stored in ops.run_failures."""

    run_id: str
    job_name: str
    failed_at: datetime
    error_message: str | None
    step_keys: tuple[str, ...]


def describe_failure(context: dg.RunFailureSensorContext) -> RunFailure:
    """Collect the run id, job, time, error messages and failed steps of a failed run."""
    run = context.dagster_run
    messages = []
    step_keys = []
    for event in context.get_step_failure_events():
        step_keys.append(event.step_key)
        error = getattr(event.event_specific_data, "error", None)
        if error is not None:
            messages.append(f"{event.step_key}: {_root_cause(error).message.strip()}")

    # A run that fails outside any step (a launch or resource error) has no step events.
    if not messages and context.failure_event.message:
        messages.append(context.failure_event.message)

    return RunFailure(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_at=_failure_time(context),
        error_message="\n".join(messages) or None,
        step_keys=tuple(key for key in step_keys if key),
    )


def record_failure(conn: psycopg.Connection, failure: RunFailure) -> bool:
    """Insert `failure` into ops.run_failures; return False when the run was already there."""
    ensure_close_tables(conn)
    inserted = conn.execute(
        """
        insert into ops.run_failures (run_id, job_name, failed_at, error_message, step_keys)
        values (%s, %s, %s, %s, %s)
        on conflict (run_id) do nothing
        """,
        (
            failure.run_id,
            failure.job_name,
            failure.failed_at,
            failure.error_message,
            list(failure.step_keys),
        ),
    ).rowcount
    return inserted == 1


@dg.run_failure_sensor(
    name="run_failure_recorder",
    description="Record each failed run in ops.run_failures with its error and failed steps.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_recorder(context: dg.RunFailureSensorContext, warehouse: WarehouseResource):
    failure = describe_failure(context)
    with warehouse.connect() as conn:
        inserted = record_failure(conn, failure)
        conn.commit()

    steps = ", ".join(failure.step_keys) or "no step"
    if inserted:
        context.log.error(
            f"Run {failure.run_id} of job {failure.job_name} failed in {steps}: "
            f"{failure.error_message or 'no error message'}"
        )
    else:
        context.log.info(f"Run {failure.run_id} was already in ops.run_failures.")


def _root_cause(error):
    # Dagster wraps the exception raised in a step in its own step-execution error, whose
    # message names only the op. The innermost cause carries the exception that was raised.
    while error.cause is not None:
        error = error.cause
    return error


def _failure_time(context: dg.RunFailureSensorContext) -> datetime:
    record = context.instance.get_run_record_by_id(context.dagster_run.run_id)
    if record is not None and record.end_time is not None:
        return datetime.fromtimestamp(record.end_time, tz=UTC)
    return datetime.now(UTC)

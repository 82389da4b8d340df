"""The run-failure sensor records a failed run in ops.run_failures."""

from __future__ import annotations

import dagster as dg
import psycopg
import pytest

from orchestration.close.sensors import run_failure_recorder
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.integration


@dg.op
def parse_amounts():
    raise ValueError("invalid amount 'twelve' in line 4")


@dg.job
def failing_job():
    parse_amounts()


@pytest.fixture(scope="module")
def failure_context(warehouse):
    instance = dg.DagsterInstance.ephemeral()
    result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_recorder",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": WarehouseResource(url=warehouse.sqlalchemy_url("psycopg"))},
    )
    return context.for_run_failure()


def stored_failures(warehouse, run_id):
    with psycopg.connect(warehouse.libpq_url()) as conn:
        return conn.execute(
            """
            select job_name, error_message, step_keys, failed_at
            from ops.run_failures where run_id = %s
            """,
            (run_id,),
        ).fetchall()


def test_sensor_records_failed_run(failure_context, warehouse):
    run_failure_recorder(failure_context)

    [(job_name, message, step_keys, failed_at)] = stored_failures(
        warehouse, failure_context.dagster_run.run_id
    )
    assert job_name == "failing_job"
    assert step_keys == ["parse_amounts"]
    assert "ValueError: invalid amount 'twelve' in line 4" in message
    assert failed_at is not None


def test_sensor_records_run_once(failure_context, warehouse):
    run_failure_recorder(failure_context)
    run_failure_recorder(failure_context)

    assert len(stored_failures(warehouse, failure_context.dagster_run.run_id)) == 1


def test_sensor_is_named():
    assert run_failure_recorder.name == "run_failure_recorder"

"""Definitions of the period close: the two schedules, their jobs and the run-failure sensor."""

import dagster as dg

from orchestration.close.schedules import build_schedules, daily_sync_job, period_close_job
from orchestration.close.sensors import run_failure_recorder

defs = dg.Definitions(
    jobs=[daily_sync_job, period_close_job],
    schedules=build_schedules(),
    sensors=[run_failure_recorder],
)

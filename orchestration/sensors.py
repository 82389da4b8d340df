"""Sensors that span packages: the run-failure sensor, which records failed runs."""

import dagster as dg

from orchestration.close.sensors import run_failure_recorder

sensors: list[dg.SensorDefinition] = [run_failure_recorder]

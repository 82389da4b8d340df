"""Dagster definitions of the quality package, gathered by orchestration.definitions."""

import dagster as dg

# NOTE: empty until the quality assets, checks, schedules and sensors are written.
defs = dg.Definitions()

"""Dagster definitions of the reconciliation package, gathered by orchestration.definitions."""

import dagster as dg

# NOTE: empty until the reconciliation assets, checks, schedules and sensors are written.
defs = dg.Definitions()

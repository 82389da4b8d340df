"""Dagster definitions of the posting package, gathered by orchestration.definitions."""

import dagster as dg

# NOTE: empty until the posting assets, checks, schedules and sensors are written.
defs = dg.Definitions()

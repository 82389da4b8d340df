"""Schedules that span packages: the daily sync and the period-close run."""

import dagster as dg

# NOTE: empty until the assets the schedules select exist. Package-specific schedules
# belong in that package's definitions.py.
schedules: list[dg.ScheduleDefinition] = []

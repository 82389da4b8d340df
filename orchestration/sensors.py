"""Sensors that span packages, such as the run-failure sensor."""

import dagster as dg

# NOTE: empty until the jobs the sensors launch exist. Package-specific sensors belong in
# that package's definitions.py.
sensors: list[dg.SensorDefinition] = []

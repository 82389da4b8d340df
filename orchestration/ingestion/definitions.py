"""Dagster definitions of the ingestion package, gathered by orchestration.definitions.

The `warehouse` resource is bound once by the root definitions.
"""

import dagster as dg

from orchestration.ingestion.assets import RAW_ASSETS
from orchestration.ingestion.sensors import ingestion_job, snapshot_sensor

defs = dg.Definitions(assets=RAW_ASSETS, jobs=[ingestion_job], sensors=[snapshot_sensor])

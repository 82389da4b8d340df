"""Dagster definitions of the posting package, gathered by orchestration.definitions."""

import dagster as dg

from orchestration.posting.assets import journal_batches
from orchestration.posting.checks import batches_balance
from orchestration.posting.jobs import post_journals_job
from orchestration.posting.resources import ERP_RESOURCE_KEY, erp_resource_from_environment
from orchestration.posting.sensors import approved_batches_sensor

# The "erp" key is bound here because no other package uses it; "warehouse" comes from
# orchestration.resources.
defs = dg.Definitions(
    assets=[journal_batches],
    asset_checks=[batches_balance],
    jobs=[post_journals_job],
    sensors=[approved_batches_sensor],
    resources={ERP_RESOURCE_KEY: erp_resource_from_environment()},
)

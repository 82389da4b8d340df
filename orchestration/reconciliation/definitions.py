"""Dagster definitions of the reconciliation package, gathered by orchestration.definitions.

The `warehouse` resource is bound once by the root definitions; the `dbt` resource is
bound here because only the dbt assets use it.
"""

import dagster as dg

from orchestration.reconciliation.assets import (
    DBT_ASSETS,
    DBT_PROJECT,
    EXTERNAL_SOURCE_TABLES,
)
from orchestration.reconciliation.resources import build_dbt_resource

defs = dg.Definitions(
    assets=[*DBT_ASSETS, *EXTERNAL_SOURCE_TABLES],
    resources={"dbt": build_dbt_resource(DBT_PROJECT)},
)

"""Translation of dbt resources into Dagster assets: keys, groups and lineage to raw tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from orchestration.owners import DATA_ENGINEERING, FINANCE_OPERATIONS

# dbt sources that read the raw tables of ingestion; their keys are the raw assets'.
RAW_SOURCES = frozenset({"salesforce", "stripe", "netsuite"})
RAW_KEY_PREFIX = "raw"

# The top-level folder under models/ decides the group. Seeds land in staging,
# the sign-off model in the finance schema beside the reconciliation marts.
GROUP_BY_FOLDER = {
    "staging": "staging",
    "canonical": "canonical",
    "reconciliation": "reconciliation",
    "close": "reconciliation",
    "posting": "posting",
}
SEED_GROUP = "staging"
FINANCE_GROUPS = frozenset({"reconciliation", "posting"})


def raw_table_key(source_name: str, table_name: str) -> dg.AssetKey:
    """Return the key of a raw table, `raw/<source>__<object>` like the ingestion assets.

    Child tables (invoice lines, credit note lines, subscription items) have no asset
    of their own because they load with their parent object, and dagster-dbt needs a
    distinct key per source, so their staging models also depend on the parent.
    """
    return dg.AssetKey([RAW_KEY_PREFIX, f"{source_name}__{table_name}"])


class TieoutDbtTranslator(DagsterDbtTranslator):
    """Key dbt models as [schema, relation name] and raw sources as the raw assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            source_name = dbt_resource_props["source_name"]
            if source_name in RAW_SOURCES:
                return raw_table_key(source_name, dbt_resource_props["name"])
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

        # The alias is the relation name: canonical_subsidiaries is canonical.subsidiaries.
        relation_name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return dg.AssetKey([dbt_resource_props["schema"], relation_name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return SEED_GROUP
        fqn = dbt_resource_props.get("fqn") or []
        folder = fqn[1] if len(fqn) > 2 else None
        return GROUP_BY_FOLDER.get(folder, super().get_group_name(dbt_resource_props))

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        if self.get_group_name(dbt_resource_props) in FINANCE_GROUPS:
            return [FINANCE_OPERATIONS]
        return [DATA_ENGINEERING]

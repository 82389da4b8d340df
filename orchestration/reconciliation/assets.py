"""The dbt project as Dagster assets: staging, canonical, reconciliation and posting models."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.reconciliation.metadata import EXCEPTIONS_KEY, SUMMARY_KEY, mart_metadata
from orchestration.reconciliation.project import load_dbt_project
from orchestration.reconciliation.translator import TieoutDbtTranslator
from orchestration.resources import WarehouseResource

TRANSLATOR = TieoutDbtTranslator()
MARTS_WITH_SUMMARY = (EXCEPTIONS_KEY, SUMMARY_KEY)


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """Build the multi-asset of every model, seed and test in `project`'s manifest."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        name="tieout_dbt_models",
    )
    def tieout_dbt_models(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
    ) -> Iterator[Any]:
        """Run `dbt build` on the selected models; tests report as asset checks."""
        invocation = dbt.cli(["build"], context=context)
        for event in invocation.stream().fetch_row_counts():
            yield with_mart_metadata(event, warehouse, context)

    return tieout_dbt_models


def with_mart_metadata(
    event: Any, warehouse: WarehouseResource, context: dg.AssetExecutionContext
) -> Any:
    """Add the exception counts and match rates to the marts' materializations."""
    if isinstance(event, dg.Output):
        asset_key = context.asset_key_for_output(event.output_name)
    elif isinstance(event, dg.MaterializeResult):
        asset_key = event.asset_key
    else:
        return event
    if asset_key not in MARTS_WITH_SUMMARY:
        return event

    with warehouse.connect() as connection:
        metadata = mart_metadata(connection, asset_key)
    context.log.info(f"Summary of {asset_key.to_user_string()}: {metadata}")
    if isinstance(event, dg.Output):
        return event.with_metadata({**event.metadata, **metadata})
    return event._replace(metadata={**(event.metadata or {}), **metadata})


DBT_PROJECT = load_dbt_project()
tieout_dbt_models = build_dbt_assets(DBT_PROJECT)


# Tables the dbt sources read that no asset of the code location materializes: the load
# manifest, the child tables that load with their parent object, and tables that the
# posting and close packages write from Python. Declaring them keeps lineage readable
# and places them in a group.
EXTERNAL_SOURCE_TABLES = [
    dg.AssetSpec(
        dg.AssetKey(["raw", "_loads"]),
        group_name="ingestion",
        description="Load manifest: one row per loaded, skipped or quarantined file.",
    ),
    dg.AssetSpec(
        dg.AssetKey(["raw", "_latest_loads"]),
        group_name="ingestion",
        description="View of the newest loaded load per source and object.",
    ),
    *(
        dg.AssetSpec(
            dg.AssetKey(["raw", f"stripe__{child}"]),
            group_name="raw_stripe",
            description=f"Stripe {child} rows, loaded with the raw/stripe__{parent} asset.",
        )
        for child, parent in (
            ("invoice_line", "invoice"),
            ("credit_note_line", "credit_note"),
            ("subscription_item", "subscription"),
        )
    ),
    dg.AssetSpec(
        dg.AssetKey(["posting", "posted_documents"]),
        group_name="posting",
        description="Documents covered by journals that tieout posted, by idempotency key.",
    ),
    dg.AssetSpec(
        dg.AssetKey(["ops", "period_signoffs"]),
        group_name="reconciliation",
        description="Periods that finance signed off, written by `tieout close signoff`.",
    ),
]

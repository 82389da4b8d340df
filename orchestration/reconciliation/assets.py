"""The dbt project as Dagster assets: staging, canonical, reconciliation and posting models.

The models are split into three multi-assets. The staging, canonical and matching models
are unpartitioned. The per-period finance marts (dbt tag `period_partitioned`) and the
journal proposals are partitioned by accounting period, and each partitioned run is one
`dbt build` over its whole partition range. Journal proposals are a multi-asset of their
own, so the blocking quality checks of the finance marts run, and can stop them, between
the two dbt invocations of one run.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.reconciliation.metadata import EXCEPTIONS_KEY, SUMMARY_KEY, mart_metadata
from orchestration.reconciliation.partitions import (
    PERIOD_PARTITIONED_TAG,
    dbt_build_args,
    period_partitions,
)
from orchestration.reconciliation.project import load_dbt_project
from orchestration.reconciliation.translator import TieoutDbtTranslator
from orchestration.resources import WarehouseResource

TRANSLATOR = TieoutDbtTranslator()
MARTS_WITH_SUMMARY = (EXCEPTIONS_KEY, SUMMARY_KEY)

# dbt selectors of the three multi-assets; together they cover every node once.
UNPARTITIONED_SELECT = "fqn:*"
UNPARTITIONED_EXCLUDE = f"tag:{PERIOD_PARTITIONED_TAG}"
POSTING_PATH = "path:models/posting"
PERIOD_MARTS_SELECT = f"tag:{PERIOD_PARTITIONED_TAG}"
PERIOD_MARTS_EXCLUDE = POSTING_PATH
JOURNAL_PROPOSALS_SELECT = f"tag:{PERIOD_PARTITIONED_TAG},{POSTING_PATH}"


def build_dbt_assets(
    project: DbtProject, partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetsDefinition]:
    """Build the multi-assets of every model, seed and test in `project`'s manifest.

    Returns the unpartitioned models, then the per-period finance marts and the journal
    proposals, both partitioned by `partitions_def`.
    """
    return [
        build_dbt_multi_asset(
            project,
            name="tieout_dbt_models",
            select=UNPARTITIONED_SELECT,
            exclude=UNPARTITIONED_EXCLUDE,
        ),
        build_dbt_multi_asset(
            project,
            name="tieout_period_marts",
            select=PERIOD_MARTS_SELECT,
            exclude=PERIOD_MARTS_EXCLUDE,
            partitions_def=partitions_def,
        ),
        build_dbt_multi_asset(
            project,
            name="tieout_journal_proposals",
            select=JOURNAL_PROPOSALS_SELECT,
            partitions_def=partitions_def,
        ),
    ]


def build_dbt_multi_asset(
    project: DbtProject,
    *,
    name: str,
    select: str,
    exclude: str | None = None,
    partitions_def: dg.PartitionsDefinition | None = None,
) -> dg.AssetsDefinition:
    """Build one multi-asset of the dbt nodes that `select` and `exclude` choose.

    A partitioned multi-asset runs once for a whole range of partitions (a single-run
    backfill policy) and passes the range to dbt as the vars period_start and period_end.
    """
    backfill_policy = dg.BackfillPolicy.single_run() if partitions_def is not None else None

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        name=name,
        select=select,
        exclude=exclude,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
    )
    def tieout_dbt_models(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
    ) -> Iterator[Any]:
        """Run `dbt build` on the selected models; tests report as asset checks."""
        key_range = context.partition_key_range if partitions_def is not None else None
        # dagster-dbt logs the whole command line, vars included.
        invocation = dbt.cli(dbt_build_args(key_range), context=context)
        for event in invocation.stream().fetch_row_counts():
            yield with_mart_metadata(event, warehouse, context, key_range)

    return tieout_dbt_models


def with_mart_metadata(
    event: Any,
    warehouse: WarehouseResource,
    context: dg.AssetExecutionContext,
    key_range: dg.PartitionKeyRange | None = None,
) -> Any:
    """Add the exception counts and match rates to the marts' materializations.

    A partitioned mart reports the periods of `key_range` only.
    """
    if isinstance(event, dg.Output):
        asset_key = context.asset_key_for_output(event.output_name)
    elif isinstance(event, dg.MaterializeResult):
        asset_key = event.asset_key
    else:
        return event
    if asset_key not in MARTS_WITH_SUMMARY:
        return event

    periods = (key_range.start, key_range.end) if key_range is not None else None
    with warehouse.connect() as connection:
        metadata = mart_metadata(connection, asset_key, periods)
    context.log.info(f"Summary of {asset_key.to_user_string()}: {metadata}")
    if isinstance(event, dg.Output):
        return event.with_metadata({**event.metadata, **metadata})
    return event._replace(metadata={**(event.metadata or {}), **metadata})


DBT_PROJECT = load_dbt_project()
PERIOD_PARTITIONS = period_partitions()
DBT_ASSETS = build_dbt_assets(DBT_PROJECT, PERIOD_PARTITIONS)


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

"""Monthly accounting-period partitions of the per-period dbt models, and their dbt vars."""

from __future__ import annotations

import json

import dagster as dg

from orchestration.settings import load_settings

# Partition keys are period labels, the same 'YYYY-MM' text as the marts' period column.
PERIOD_FORMAT = "%Y-%m"
# dbt tag of the models that are built per period (macros/period_partitions.sql).
PERIOD_PARTITIONED_TAG = "period_partitioned"
# dbt vars that limit a run to a range of periods, both inclusive.
PERIOD_START_VAR = "period_start"
PERIOD_END_VAR = "period_end"
# Run tags that make one run cover a range of partition keys, as a single-run backfill does.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def build_period_partitions(first_period: str) -> dg.MonthlyPartitionsDefinition:
    """Build monthly partitions from `first_period` ('YYYY-MM') through the current month.

    A month's partition normally exists only once the month has ended. `end_offset=1` adds
    the month in progress, because the snapshot's own period already has rows: the
    master-data exceptions and matches are placed in it.
    """
    return dg.MonthlyPartitionsDefinition(
        start_date=first_period,
        fmt=PERIOD_FORMAT,
        end_offset=1,
    )


def period_partitions() -> dg.MonthlyPartitionsDefinition:
    """Build the partitions from TIEOUT_FIRST_PERIOD (see orchestration.settings)."""
    return build_period_partitions(load_settings().first_period)


def period_vars(key_range: dg.PartitionKeyRange) -> dict[str, str]:
    """Return the dbt vars of a run over the partition keys in `key_range`."""
    return {PERIOD_START_VAR: key_range.start, PERIOD_END_VAR: key_range.end}


def dbt_build_args(key_range: dg.PartitionKeyRange | None) -> list[str]:
    """Return the `dbt build` arguments of a run, limited to `key_range` when it is set."""
    if key_range is None:
        return ["build"]
    return ["build", "--vars", json.dumps(period_vars(key_range))]


def partition_range_tags(partitions: dg.PartitionKeyRange | None) -> dict[str, str]:
    """Return the run tags of a run over `partitions`; none for one key or no partition."""
    if partitions is None or partitions.start == partitions.end:
        return {}
    return {
        PARTITION_RANGE_START_TAG: partitions.start,
        PARTITION_RANGE_END_TAG: partitions.end,
    }

"""Materialize every asset of a code location in process, in dependency order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from graphlib import TopologicalSorter

import dagster as dg

from orchestration.reconciliation.partitions import partition_range_tags

# Dagster's console logger prints every event at DEBUG. Warnings and errors still show,
# and the UI keeps the full event log of every run.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunStep:
    """Assets that share one partitioning, run together once per partition key.

    When every asset of the step has a single-run backfill policy, the step runs once
    over the whole range of partition keys instead.
    """

    asset_keys: tuple[dg.AssetKey, ...]
    partitions_def: dg.PartitionsDefinition | None
    single_run: bool = False


@dataclass(frozen=True)
class MaterializedAsset:
    """One materialization event and the metadata the asset reported with it."""

    asset_key: str
    partition: str | None
    metadata: dict[str, object]


@dataclass(frozen=True)
class RunOutcome:
    """The result of one in-process run."""

    run_id: str
    partition: str | None
    success: bool
    failed_steps: tuple[str, ...]
    materializations: tuple[MaterializedAsset, ...]


def plan_steps(defs: dg.Definitions) -> list[RunStep]:
    """Split the materializable assets into runs that Dagster can execute.

    One run can only contain assets with the same partitioning, so the assets are put
    in dependency order and every change of partitioning starts a new step.
    """
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    graph = {key: {dep.asset_key for dep in spec.deps} for key, spec in specs.items()}
    ordered = [
        key
        for key in TopologicalSorter(graph).static_order()
        if key in specs and defs.resolve_assets_def(key).is_materializable
    ]

    steps: list[RunStep] = []
    for key in ordered:
        partitions_def = specs[key].partitions_def
        single_run = _has_single_run_policy(defs.resolve_assets_def(key))
        if steps and steps[-1].partitions_def == partitions_def:
            last = steps.pop()
            steps.append(
                RunStep((*last.asset_keys, key), partitions_def, last.single_run and single_run)
            )
        else:
            steps.append(RunStep((key,), partitions_def, single_run))
    return steps


def _has_single_run_policy(assets_def: dg.AssetsDefinition) -> bool:
    policy = assets_def.backfill_policy
    return policy is not None and policy.max_partitions_per_run is None


def count_runs(steps: list[RunStep], instance: dg.DagsterInstance) -> int:
    """Return how many runs `run_steps` will launch."""
    return sum(len(_run_partitions(step, instance)) for step in steps)


def run_steps(
    defs: dg.Definitions,
    steps: list[RunStep],
    instance: dg.DagsterInstance,
) -> Iterator[RunOutcome]:
    """Execute each step in process and yield each outcome.

    A partitioned step runs once per partition key, or once over all of its keys when
    its assets have a single-run backfill policy. Stops after the first failed run,
    because later steps depend on earlier ones.
    """
    for step in steps:
        job = defs.resolve_implicit_job_def_def_for_assets(step.asset_keys)
        if job is None:
            raise ValueError(
                f"No asset job covers {[key.to_user_string() for key in step.asset_keys]}"
            )

        for partitions in _run_partitions(step, instance):
            result = job.execute_in_process(
                run_config=RUN_CONFIG,
                instance=instance,
                asset_selection=list(step.asset_keys),
                partition_key=_single_key(partitions),
                tags=partition_range_tags(partitions),
                raise_on_error=False,
            )
            outcome = _outcome(result, _describe(partitions))
            yield outcome
            if not outcome.success:
                return


def _run_partitions(
    step: RunStep, instance: dg.DagsterInstance
) -> list[dg.PartitionKeyRange | None]:
    """Return the partitions of each run of `step`: None for an unpartitioned step."""
    if step.partitions_def is None:
        return [None]
    keys = step.partitions_def.get_partition_keys(dynamic_partitions_store=instance)
    if step.single_run and keys:
        return [dg.PartitionKeyRange(keys[0], keys[-1])]
    return [dg.PartitionKeyRange(key, key) for key in keys]


def _single_key(partitions: dg.PartitionKeyRange | None) -> str | None:
    if partitions is None or partitions.start != partitions.end:
        return None
    return partitions.start


def _describe(partitions: dg.PartitionKeyRange | None) -> str | None:
    if partitions is None:
        return None
    if partitions.start == partitions.end:
        return partitions.start
    return f"{partitions.start}...{partitions.end}"


def _outcome(result: dg.ExecuteInProcessResult, partition: str | None) -> RunOutcome:
    materializations = tuple(
        MaterializedAsset(
            asset_key=event.asset_key.to_user_string(),
            partition=event.partition,
            metadata={name: value.value for name, value in event.materialization.metadata.items()},
        )
        for event in result.get_asset_materialization_events()
    )
    return RunOutcome(
        run_id=result.run_id,
        partition=partition,
        success=result.success,
        failed_steps=tuple(sorted(result.get_failed_step_keys())),
        materializations=materializations,
    )

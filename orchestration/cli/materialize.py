"""Materialize every asset of a code location in process, in dependency order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from graphlib import TopologicalSorter

import dagster as dg

# Dagster's console logger prints every event at DEBUG. Warnings and errors still show,
# and the UI keeps the full event log of every run.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunStep:
    """Assets that share one partitioning, run together once per partition key."""

    asset_keys: tuple[dg.AssetKey, ...]
    partitions_def: dg.PartitionsDefinition | None


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
        if steps and steps[-1].partitions_def == partitions_def:
            last = steps.pop()
            steps.append(RunStep((*last.asset_keys, key), partitions_def))
        else:
            steps.append(RunStep((key,), partitions_def))
    return steps


def count_runs(steps: list[RunStep], instance: dg.DagsterInstance) -> int:
    """Return how many runs `run_steps` will launch."""
    return sum(len(_partition_keys(step, instance)) for step in steps)


def run_steps(
    defs: dg.Definitions,
    steps: list[RunStep],
    instance: dg.DagsterInstance,
) -> Iterator[RunOutcome]:
    """Execute each step in process, once per partition key, and yield each outcome.

    Stops after the first failed run, because later steps depend on earlier ones.
    """
    for step in steps:
        job = defs.resolve_implicit_job_def_def_for_assets(step.asset_keys)
        if job is None:
            raise ValueError(
                f"No asset job covers {[key.to_user_string() for key in step.asset_keys]}"
            )

        for partition in _partition_keys(step, instance):
            result = job.execute_in_process(
                run_config=RUN_CONFIG,
                instance=instance,
                asset_selection=list(step.asset_keys),
                partition_key=partition,
                raise_on_error=False,
            )
            outcome = _outcome(result, partition)
            yield outcome
            if not outcome.success:
                return


def _partition_keys(step: RunStep, instance: dg.DagsterInstance) -> list[str | None]:
    if step.partitions_def is None:
        return [None]
    # NOTE: every partition key runs, so a partitioning that starts long before the
    # sample data makes the demo slow. Partitioned assets should start with the data.
    return list(step.partitions_def.get_partition_keys(dynamic_partitions_store=instance))


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

import json
import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.materialize import RunStep, count_runs, plan_steps
from orchestration.reconciliation.partitions import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    build_period_partitions,
    dbt_build_args,
    partition_range_tags,
    period_vars,
)
from orchestration.reconciliation.project import manifest_is_stale
from orchestration.settings import DEFAULT_FIRST_PERIOD, load_settings

DECEMBER_4 = datetime(2026, 12, 4, 17, 0)


def test_partitions_start_at_first_period():
    keys = build_period_partitions("2026-06").get_partition_keys(current_time=DECEMBER_4)

    assert keys[0] == "2026-06"


def test_partitions_include_current_month():
    keys = build_period_partitions("2026-06").get_partition_keys(current_time=DECEMBER_4)

    assert keys[-2:] == ["2026-11", "2026-12"]
    assert len(keys) == 7


def test_partition_keys_are_period_labels():
    keys = build_period_partitions("2025-11").get_partition_keys(current_time=DECEMBER_4)

    assert keys[:3] == ["2025-11", "2025-12", "2026-01"]


def test_period_vars_of_range():
    key_range = dg.PartitionKeyRange("2026-07", "2026-10")

    assert period_vars(key_range) == {"period_start": "2026-07", "period_end": "2026-10"}


def test_build_args_pass_range_as_vars():
    args = dbt_build_args(dg.PartitionKeyRange("2026-09", "2026-09"))

    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"period_start": "2026-09", "period_end": "2026-09"}


def test_build_args_without_range_build_all():
    assert dbt_build_args(None) == ["build"]


def test_range_tags_of_several_keys():
    tags = partition_range_tags(dg.PartitionKeyRange("2026-06", "2026-12"))

    assert tags == {PARTITION_RANGE_START_TAG: "2026-06", PARTITION_RANGE_END_TAG: "2026-12"}


def test_range_tags_empty_for_one_key():
    assert partition_range_tags(dg.PartitionKeyRange("2026-06", "2026-06")) == {}
    assert partition_range_tags(None) == {}


def test_first_period_defaults_to_sample_data():
    assert load_settings({}).first_period == DEFAULT_FIRST_PERIOD


def test_first_period_from_environment():
    assert load_settings({"TIEOUT_FIRST_PERIOD": " 2025-01 "}).first_period == "2025-01"


@pytest.mark.parametrize("value", ["2026-13", "2026-6", "June 2026", "2026-06-01"])
def test_first_period_rejects_invalid_value(value):
    with pytest.raises(ValueError, match="TIEOUT_FIRST_PERIOD"):
        load_settings({"TIEOUT_FIRST_PERIOD": value})


def test_manifest_stale_when_missing(tmp_path):
    assert manifest_is_stale(tmp_path, tmp_path / "target" / "manifest.json")


def test_manifest_stale_after_model_change(tmp_path):
    manifest = tmp_path / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    model = tmp_path / "models" / "a.sql"
    model.parent.mkdir()
    model.write_text("select 1")
    _set_mtime(manifest, 1_000)
    _set_mtime(model, 2_000)

    assert manifest_is_stale(tmp_path, manifest)


def test_manifest_fresh_ignores_target_files(tmp_path):
    manifest = tmp_path / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    compiled = tmp_path / "target" / "compiled.sql"
    compiled.write_text("select 1")
    model = tmp_path / "models" / "a.sql"
    model.parent.mkdir()
    model.write_text("select 1")
    _set_mtime(model, 1_000)
    _set_mtime(manifest, 2_000)
    _set_mtime(compiled, 3_000)

    assert not manifest_is_stale(tmp_path, manifest)


def _set_mtime(path: Path, seconds: int) -> None:
    os.utime(path, (seconds, seconds))


# Assets for the run planning of `tieout demo`: a partitioned pair between unpartitioned ones.
PARTITIONS = build_period_partitions("2026-06")


@dg.asset
def upstream() -> None:
    return None


@dg.asset(
    deps=[upstream],
    partitions_def=PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def single_run_mart() -> None:
    return None


@dg.asset(deps=[upstream], partitions_def=PARTITIONS)
def per_key_mart() -> None:
    return None


def test_plan_marks_single_run_step():
    steps = plan_steps(dg.Definitions(assets=[upstream, single_run_mart]))

    assert steps == [
        RunStep((dg.AssetKey("upstream"),), None, False),
        RunStep((dg.AssetKey("single_run_mart"),), PARTITIONS, True),
    ]


def test_single_run_step_counts_one_run():
    steps = plan_steps(dg.Definitions(assets=[upstream, single_run_mart]))

    assert count_runs(steps, dg.DagsterInstance.ephemeral()) == 2


def test_mixed_policies_run_per_key():
    steps = plan_steps(dg.Definitions(assets=[upstream, single_run_mart, per_key_mart]))
    partitioned = [step for step in steps if step.partitions_def is not None]

    assert len(partitioned) == 1
    assert not partitioned[0].single_run

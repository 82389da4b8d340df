"""The ingestion job and the sensor that launches it for new snapshot folders."""

from __future__ import annotations

import json

import dagster as dg

from orchestration.ingestion.assets import group_name, raw_asset_key
from orchestration.ingestion.objects import SOURCES, objects_for
from orchestration.ingestion.snapshots import scan_source
from orchestration.settings import load_settings

INGESTION_JOB_NAME = "ingestion_job"
SNAPSHOT_SENSOR_NAME = "snapshot_sensor"
SENSOR_INTERVAL_SECONDS = 60

ingestion_job = dg.define_asset_job(
    INGESTION_JOB_NAME,
    selection=dg.AssetSelection.groups(*(group_name(source) for source in SOURCES)),
    description="Load every snapshot file that is not loaded yet into the raw tables.",
)


def new_snapshot_folders(seen: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Return unseen snapshot folders per source, as `<source>/<folder>`, and scan errors."""
    settings = load_settings()
    new: dict[str, list[str]] = {}
    errors: list[str] = []
    for source in SOURCES:
        scan = scan_source(settings.snapshot_root, source)
        errors.extend(str(error) for error in scan.invalid_folders)
        for snapshot in scan.snapshots:
            key = f"{source}/{snapshot.path.name}"
            if key not in seen:
                new.setdefault(source, []).append(key)
    return new, errors


@dg.sensor(
    name=SNAPSHOT_SENSOR_NAME,
    job=ingestion_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    description="Launch ingestion_job for the sources that have new snapshot folders.",
)
def snapshot_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Request one run per source with new snapshot folders.

    The cursor is the sorted JSON list of `<source>/<folder>` names already seen, so a
    restarted daemon requests runs only for folders that appeared since.
    """
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new, errors = new_snapshot_folders(seen)
    for error in errors:
        context.log.error(f"Ignored snapshot folder: {error}")
    if not new:
        return dg.SkipReason("No new snapshot folders.")

    run_requests = []
    for source, folders in sorted(new.items()):
        context.log.info(f"New {source} snapshots: {', '.join(folders)}")
        run_requests.append(
            dg.RunRequest(
                run_key=",".join(folders),
                asset_selection=[raw_asset_key(spec) for spec in objects_for(source)],
                tags={"tieout/source": source, "tieout/snapshots": ",".join(folders)[:200]},
            )
        )
    cursor = json.dumps(sorted(seen.union(*new.values())))
    return dg.SensorResult(run_requests=run_requests, cursor=cursor)

"""One Dagster asset per raw object, loading the snapshot files not loaded yet.

Asset keys are `["raw", "<source>__<object>"]` in groups `raw_salesforce`, `raw_stripe`
and `raw_netsuite`. Child tables (Stripe invoice lines, credit note lines, subscription
items) are loaded by their parent's asset in the same transaction and reported in its
`child_rows_loaded` metadata rather than as separate assets.

A quarantined file does not undo the files that loaded: the asset materializes, logs an
error with the file and reason, and reports it under `quarantined` and
`files_quarantined`. Its blocking check `no_quarantined_files` then fails, so nothing
downstream builds on a snapshot that is partly old and partly new, and the run fails
where a scheduled sync shows it.
"""

import dagster as dg

from orchestration.ingestion.loader import LoadResult
from orchestration.ingestion.objects import OBJECTS, ObjectSpec
from orchestration.ingestion.pending import load_pending_files
from orchestration.ingestion.schema import LOADED, QUARANTINED, ensure_raw_schema
from orchestration.owners import DATA_ENGINEERING
from orchestration.resources import WarehouseResource
from orchestration.settings import load_settings

RAW_KEY_PREFIX = "raw"
QUARANTINE_CHECK = "no_quarantined_files"


def group_name(source: str) -> str:
    """Return the asset group of a source's raw objects."""
    return f"raw_{source}"


def raw_asset_key(spec: ObjectSpec) -> dg.AssetKey:
    """Return the asset key of an object's raw table."""
    return dg.AssetKey([RAW_KEY_PREFIX, spec.table])


def build_raw_asset(spec: ObjectSpec) -> dg.AssetsDefinition:
    """Build the asset that loads the pending snapshot files of one object."""
    children = ", ".join(f"raw.{child.table}" for child in spec.children)
    description = f"{spec.source} {spec.name} files loaded into {spec.qualified_table}"
    if children:
        description += f", with child rows in {children}"

    @dg.asset(
        name=spec.table,
        key_prefix=[RAW_KEY_PREFIX],
        group_name=group_name(spec.source),
        owners=[DATA_ENGINEERING],
        description=description + ".",
        kinds={"postgres"},
        check_specs=[
            dg.AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=raw_asset_key(spec),
                blocking=True,
                description="Every snapshot file of this run loaded; none was quarantined.",
            )
        ],
        metadata={
            "table": spec.qualified_table,
            "file_names": list(spec.file_names),
            "child_tables": [f"raw.{child.table}" for child in spec.children],
        },
    )
    def raw_object(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = load_settings()
        with warehouse.connect() as connection:
            ensure_raw_schema(connection)
            summary = load_pending_files(
                connection,
                spec,
                settings.snapshot_root,
                settings.quarantine_dir,
                on_result=lambda result: log_result(context, result),
            )

        for folder in summary.invalid_folders:
            context.log.error(f"Skipped snapshot folder: {folder}")
        if not summary.results:
            context.log.info(f"No new {spec.name} files under {settings.snapshot_root}")
        return dg.MaterializeResult(
            metadata=summary.metadata(), check_results=[quarantine_check(summary.results)]
        )

    return raw_object


def quarantine_check(results: list[LoadResult]) -> dg.AssetCheckResult:
    """Fail when a file of this run was quarantined, naming each file and its error."""
    quarantined = [result for result in results if result.status == QUARANTINED]
    errors = {str(result.file_path): str(result.error) for result in quarantined}
    return dg.AssetCheckResult(
        check_name=QUARANTINE_CHECK,
        passed=not quarantined,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "files_quarantined": len(quarantined),
            "errors": errors,
            "next_step": (
                "Fix the export and drop it as a new snapshot folder with a later extraction "
                "time; the rejected copies are listed in ops.quarantine."
                if quarantined
                else ""
            ),
        },
    )


def log_result(context: dg.AssetExecutionContext, result: LoadResult) -> None:
    """Log one file's outcome with its path and load id."""
    if result.status == LOADED:
        children = "".join(
            f", {count} {table} rows" for table, count in result.child_row_counts.items()
        )
        context.log.info(
            f"Loaded {result.file_path} as load {result.load_id}: "
            f"{result.row_count} rows{children} in {result.duration_ms} ms"
        )
        if result.schema_drift:
            context.log.warning(
                f"Schema drift in {result.file_path} (load {result.load_id}): "
                f"unknown columns {', '.join(result.schema_drift)}"
            )
    elif result.status == QUARANTINED:
        context.log.error(
            f"Quarantined {result.file_path} (load {result.load_id}, "
            f"reason {result.error.reason if result.error else 'unknown'}): {result.error}. "
            f"Copy kept at {result.quarantined_path}"
        )
    else:
        context.log.info(
            f"Skipped {result.file_path} (load {result.load_id}): same content as load "
            f"{result.duplicate_of}"
        )


RAW_ASSETS = [build_raw_asset(spec) for spec in OBJECTS]

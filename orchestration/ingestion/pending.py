"""Select the snapshot files of one object that are not loaded yet, and load them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from orchestration.ingestion.loader import LoadResult, load_file
from orchestration.ingestion.objects import ObjectSpec
from orchestration.ingestion.schema import LOADED, QUARANTINED, SKIPPED_DUPLICATE
from orchestration.ingestion.snapshots import SnapshotFile, scan_source


@dataclass
class ObjectLoadSummary:
    """The outcome of one run for one object: each file's result and the scan's invalid folders."""

    spec: ObjectSpec
    results: list[LoadResult] = field(default_factory=list)
    invalid_folders: list[str] = field(default_factory=list)

    def by_status(self, status: str) -> list[LoadResult]:
        return [result for result in self.results if result.status == status]

    def metadata(self) -> dict[str, object]:
        """Return plain values for a materialization's metadata."""
        loaded = self.by_status(LOADED)
        child_rows: dict[str, int] = {child.table: 0 for child in self.spec.children}
        for result in loaded:
            for table, count in result.child_row_counts.items():
                child_rows[table] = child_rows.get(table, 0) + count
        return {
            "rows_loaded": sum(result.row_count for result in loaded),
            "child_rows_loaded": child_rows,
            "bytes_loaded": sum(result.byte_size for result in loaded),
            "duration_ms": sum(result.duration_ms for result in self.results),
            "files_loaded": len(loaded),
            "files_skipped": len(self.by_status(SKIPPED_DUPLICATE)),
            "files_quarantined": len(self.by_status(QUARANTINED)),
            "load_ids": [result.load_id for result in loaded],
            "schema_drift": {
                result.file_path: result.schema_drift
                for result in self.results
                if result.schema_drift
            },
            "quarantined": [
                {
                    "file": result.file_path,
                    "load_id": result.load_id,
                    "reason": result.error.reason if result.error else None,
                    "error": str(result.error),
                    "quarantined_path": result.quarantined_path,
                }
                for result in self.by_status(QUARANTINED)
            ],
            "incomplete_child_lists": sum(r.incomplete_child_lists for r in loaded),
            "invalid_snapshot_folders": self.invalid_folders,
        }


def pending_files(
    connection: psycopg.Connection, spec: ObjectSpec, snapshot_root: Path
) -> tuple[list[SnapshotFile], list[str]]:
    """Return the object's files with no manifest outcome yet, oldest snapshot first.

    A file counts as done once it is loaded or skipped as a duplicate. A quarantined file
    is tried again only when it changed after it was quarantined, so fixing a file in
    place and rerunning picks it up. Also returns the invalid snapshot folder names.
    """
    scan = scan_source(snapshot_root, spec.source)
    files = [file for snapshot in scan.snapshots for file in snapshot.files if file.spec == spec]
    invalid = [str(error) for error in scan.invalid_folders]
    if not files:
        return [], invalid

    paths = [str(file.path.resolve()) for file in files]
    with connection.cursor() as cursor:
        rows = cursor.execute(
            "select file_path, status, extract(epoch from loaded_at) from raw._loads"
            " where source = %s and object = %s and file_path = any(%s)",
            (spec.source, spec.name, paths),
        ).fetchall()
    connection.rollback()

    done: set[str] = set()
    quarantined_at: dict[str, float] = {}
    for file_path, status, loaded_at in rows:
        if status in (LOADED, SKIPPED_DUPLICATE):
            done.add(file_path)
        else:
            quarantined_at[file_path] = max(quarantined_at.get(file_path, 0.0), float(loaded_at))

    pending = []
    for file, path in zip(files, paths, strict=True):
        if path in done:
            continue
        if path in quarantined_at and file.path.stat().st_mtime <= quarantined_at[path]:
            continue
        pending.append(file)
    return pending, invalid


def load_pending_files(
    connection: psycopg.Connection,
    spec: ObjectSpec,
    snapshot_root: Path,
    quarantine_dir: Path,
    on_result: Callable[[LoadResult], None] | None = None,
) -> ObjectLoadSummary:
    """Load every pending file of `spec` in snapshot order, calling `on_result` after each."""
    files, invalid = pending_files(connection, spec, snapshot_root)
    summary = ObjectLoadSummary(spec, invalid_folders=invalid)
    for file in files:
        result = load_file(
            connection,
            spec,
            file.path,
            file.snapshot_at,
            quarantine_dir,
            file_format=file.file_format,
        )
        summary.results.append(result)
        if on_result is not None:
            on_result(result)
    return summary

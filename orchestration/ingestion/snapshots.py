"""Find snapshot folders and the export files inside them.

A snapshot is one folder per source and extraction time:
`<snapshot_root>/<source>/<YYYY-MM-DDTHH-MM-SSZ>/`, holding the export files of that
source (dashes in the time because colons are not allowed in Windows file names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.ingestion.errors import SnapshotFolderError
from orchestration.ingestion.objects import (
    SALESFORCE,
    SALESFORCE_OBJECTS,
    SOURCES,
    ObjectSpec,
    spec_for_file,
)

SNAPSHOT_FOLDER_FORMAT = "YYYY-MM-DDTHH-MM-SSZ"
_FOLDER_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})Z$")

# File formats an adapter reads. `sobject_tree` is the `{"records": [...]}` JSON that
# `sf data import tree` reads, accepted for Salesforce beside Data Loader CSV.
CSV = "csv"
JSONL = "jsonl"
SOBJECT_TREE = "sobject_tree"

# sObject tree files are named after the sObject, singular or plural.
_SOBJECT_TREE_NAMES = {
    "account": ("Account.json", "Accounts.json"),
    "product2": ("Product2.json", "Product2s.json", "Products.json"),
    "opportunity": ("Opportunity.json", "Opportunities.json"),
    "opportunity_line_item": ("OpportunityLineItem.json", "OpportunityLineItems.json"),
    "contract": ("Contract.json", "Contracts.json"),
}


@dataclass(frozen=True)
class SnapshotFile:
    """One export file of a snapshot, with the object spec it is loaded with."""

    source: str
    snapshot_at: datetime
    path: Path
    spec: ObjectSpec
    file_format: str


@dataclass(frozen=True)
class Snapshot:
    """One snapshot folder: a source at one extraction time."""

    source: str
    snapshot_at: datetime
    path: Path
    files: tuple[SnapshotFile, ...]
    # Files in the folder that match no object spec; they are reported, not loaded.
    unknown_files: tuple[Path, ...] = ()


@dataclass
class SnapshotScan:
    """The snapshots under one source folder, and the folders with invalid names."""

    snapshots: list[Snapshot] = field(default_factory=list)
    invalid_folders: list[SnapshotFolderError] = field(default_factory=list)


def parse_snapshot_time(folder_name: str) -> datetime:
    """Parse a folder name such as `2026-12-01T06-00-00Z` into a UTC datetime.

    Raises SnapshotFolderError naming the folder and the expected format.
    """
    match = _FOLDER_PATTERN.match(folder_name)
    error = SnapshotFolderError(
        f"Invalid snapshot folder name {folder_name!r}: expected the extraction time in UTC "
        f"as {SNAPSHOT_FOLDER_FORMAT}, for example 2026-12-01T06-00-00Z. Rename the folder."
    )
    if match is None:
        raise error
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
    except ValueError:
        raise error from None


def format_snapshot_time(snapshot_at: datetime) -> str:
    """Return the folder name for an extraction time, the inverse of `parse_snapshot_time`."""
    return snapshot_at.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def resolve_file(source: str, file_name: str) -> tuple[ObjectSpec, str] | None:
    """Return the spec and file format of an export file name, or None for an unknown file."""
    spec = spec_for_file(source, file_name)
    if spec is not None:
        return spec, spec.file_format

    if source == SALESFORCE:
        for spec in SALESFORCE_OBJECTS:
            if file_name in _SOBJECT_TREE_NAMES.get(spec.name, ()):
                return spec, SOBJECT_TREE
    return None


def scan_source(snapshot_root: Path, source: str) -> SnapshotScan:
    """List the snapshots of one source, oldest first.

    A missing source folder gives an empty scan. Folders whose names are not extraction
    times are returned in `invalid_folders` so the caller can report them.
    """
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}: expected one of {', '.join(SOURCES)}.")

    scan = SnapshotScan()
    source_dir = snapshot_root / source
    if not source_dir.is_dir():
        return scan

    for folder in sorted(path for path in source_dir.iterdir() if path.is_dir()):
        try:
            snapshot_at = parse_snapshot_time(folder.name)
        except SnapshotFolderError as error:
            scan.invalid_folders.append(SnapshotFolderError(f"{folder}: {error}"))
            continue
        scan.snapshots.append(read_snapshot(source, folder, snapshot_at))

    scan.snapshots.sort(key=lambda snapshot: snapshot.snapshot_at)
    return scan


def read_snapshot(source: str, folder: Path, snapshot_at: datetime | None = None) -> Snapshot:
    """Describe the export files of one snapshot folder."""
    if snapshot_at is None:
        snapshot_at = parse_snapshot_time(folder.name)

    files: list[SnapshotFile] = []
    unknown: list[Path] = []
    for path in sorted(path for path in folder.iterdir() if path.is_file()):
        resolved = resolve_file(source, path.name)
        if resolved is None:
            unknown.append(path)
            continue
        spec, file_format = resolved
        files.append(SnapshotFile(source, snapshot_at, path, spec, file_format))
    return Snapshot(source, snapshot_at, folder, tuple(files), tuple(unknown))

"""Streaming writers for the vendor files, with headers taken from the object specs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, TextIO

from orchestration.ingestion.objects import ObjectSpec, objects_for


def csv_header(spec: ObjectSpec) -> list[str]:
    """Return the CSV header of a spec: the first source name of each column."""
    return [column.source[0] for column in spec.columns]


def spec_named(source: str, file_name: str) -> ObjectSpec:
    """Return the spec whose first file name is `file_name`."""
    for spec in objects_for(source):
        if spec.file_names[0] == file_name:
            return spec
    raise KeyError(f"no {source} object spec writes {file_name!r}")


class Table:
    """One export file, written row by row."""

    def __init__(self, folder: Path, source: str, file_name: str) -> None:
        self.spec = spec_named(source, file_name)
        self.path = folder / file_name
        self.rows = 0
        folder.mkdir(parents=True, exist_ok=True)
        self._handle: TextIO = self.path.open("w", newline="", encoding="utf-8")
        self._header: list[str] = []
        if self.spec.file_format == "csv":
            self._header = csv_header(self.spec)
            self._known = frozenset(self._header)
            self._csv = csv.writer(self._handle, lineterminator="\n")
            self._csv.writerow(self._header)

    def write(self, record: dict[str, Any]) -> None:
        """Write one CSV row (keyed by header name) or one JSON object."""
        if self.spec.file_format == "csv":
            unknown = record.keys() - self._known
            if unknown:
                raise KeyError(f"{self.path.name} has no column {sorted(unknown)}")
            # The csv module writes None as an empty field and other values with str().
            self._csv.writerow([record.get(name) for name in self._header])
        else:
            self._handle.write(json.dumps(record, sort_keys=True, separators=(",", ":")))
            self._handle.write("\n")
        self.rows += 1

    def close(self) -> None:
        self._handle.close()


class SnapshotWriter:
    """The open files of every snapshot folder, keyed by source and file name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tables: dict[tuple[str, str], Table] = {}
        self.row_counts: dict[str, int] = {}

    def open(self, source: str, snapshot: str, file_name: str) -> Table:
        folder = self.root / "snapshots" / source / snapshot
        table = Table(folder, source, file_name)
        self._tables[(source, file_name)] = table
        return table

    def __getitem__(self, key: tuple[str, str]) -> Table:
        return self._tables[key]

    def close(self) -> None:
        for table in self._tables.values():
            table.close()
            relative = table.path.relative_to(self.root).as_posix()
            self.row_counts[relative] = table.rows

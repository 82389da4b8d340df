"""Readers for the files the generator writes, used by test_generator.py."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Snapshot:
    """The three sources of one generated company, read into memory."""

    root: Path
    manifest: dict

    def folder(self, source: str, position: int = 0) -> Path:
        name = self.manifest["snapshots"][source][position]
        return self.root / "snapshots" / source / name

    def csv_rows(self, source: str, file_name: str) -> list[dict[str, str]]:
        with (self.folder(source) / file_name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def csv_header(self, source: str, file_name: str) -> list[str]:
        with (self.folder(source) / file_name).open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle))

    def jsonl(self, file_name: str, position: int = 0) -> list[dict]:
        path = self.folder("stripe", position) / file_name
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    def answer_key(self) -> list[dict[str, str]]:
        with (self.root / "answer_key.csv").open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


def read_snapshot(root: Path) -> Snapshot:
    return Snapshot(root, json.loads((root / "manifest.json").read_text(encoding="utf-8")))


def lookup(record: dict, dotted: str) -> tuple[bool, object]:
    """Follow a dotted path and return (found, value)."""
    value: object = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def file_digests(root: Path) -> dict[str, str]:
    import hashlib

    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }

"""The ERP sandbox's ledger: NetSuite's tables in the `erp_sandbox` schema.

Each NetSuite object of `orchestration.ingestion.objects` becomes a table with the same
columns, stored as text exactly as the export file spells them (T/F booleans, ISO dates),
so an export writes back what a seed read, plus the journals posted since.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from orchestration.ingestion.objects import NETSUITE, NETSUITE_OBJECTS, ObjectSpec
from orchestration.ingestion.snapshots import format_snapshot_time, parse_snapshot_time

logger = logging.getLogger("tieout.erp_sandbox")

SCHEMA = "erp_sandbox"
JOURNAL_TYPE = "Journal"
_DDL_LOCK_ID = 0x65727073616E64  # "erpsand" as a number


def spec_by_name(name: str) -> ObjectSpec:
    """Return the NetSuite object spec called `name`, such as "transaction"."""
    for spec in NETSUITE_OBJECTS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def header_of(spec: ObjectSpec) -> list[str]:
    """Return the CSV header of an object's export file, in spec order."""
    return [column.source[0] for column in spec.columns]


def table(spec: ObjectSpec) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(spec.name))


def ensure_ledger_tables(connection: psycopg.Connection) -> None:
    """Create the sandbox schema and tables that do not exist yet, and commit."""
    with connection.transaction():
        connection.execute("select pg_advisory_xact_lock(%s)", (_DDL_LOCK_ID,))
        connection.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
        for spec in NETSUITE_OBJECTS:
            columns = sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(column.name)) for column in spec.columns
            )
            key = sql.SQL(", ").join(sql.Identifier(name) for name in spec.primary_key)
            connection.execute(
                sql.SQL("create table if not exists {} ({}, primary key ({}))").format(
                    table(spec), columns, key
                )
            )
        connection.execute(
            """
            create table if not exists erp_sandbox.journal_request (
                idempotency_key text primary key,
                request_hash text not null,
                transaction_id text not null,
                created_at timestamptz not null default now()
            )
            """
        )
        connection.execute(
            """
            create table if not exists erp_sandbox.snapshot_state (
                singleton boolean primary key default true check (singleton),
                seeded_from text,
                seeded_snapshot_at timestamptz,
                last_export_at timestamptz
            )
            """
        )
    connection.commit()


def resolve_snapshot_folder(path: Path) -> Path:
    """Return the snapshot folder to seed from.

    `path` may be a snapshot folder itself (it contains CSV files), a source folder
    (`<root>/netsuite`) or a snapshot root: the latest extraction time under it wins.
    """
    path = Path(path)
    if any(path.glob("*.csv")):
        return path
    source_dir = path / NETSUITE if (path / NETSUITE).is_dir() else path
    candidates = []
    for child in source_dir.iterdir() if source_dir.is_dir() else ():
        try:
            candidates.append((parse_snapshot_time(child.name), child))
        except ValueError:
            continue
    if not candidates:
        raise FileNotFoundError(
            f"No NetSuite snapshot found under {path}: expected CSV files or folders named "
            "like 2026-12-01T06-00-00Z."
        )
    return max(candidates)[1]


def seed_ledger(connection: psycopg.Connection, snapshot: Path) -> dict[str, int]:
    """Replace the ledger with the contents of a NetSuite snapshot folder.

    Returns the row count per object. Journals posted earlier and their idempotency keys
    are dropped. Files the folder lacks leave their table empty.
    """
    folder = resolve_snapshot_folder(snapshot)
    ensure_ledger_tables(connection)
    counts: dict[str, int] = {}

    with connection.transaction():
        connection.execute("truncate erp_sandbox.journal_request, erp_sandbox.snapshot_state")
        for spec in NETSUITE_OBJECTS:
            connection.execute(sql.SQL("truncate {}").format(table(spec)))
            file = next(
                (folder / name for name in spec.file_names if (folder / name).exists()), None
            )
            counts[spec.name] = 0 if file is None else _copy_file(connection, spec, file)

        try:
            snapshot_at = parse_snapshot_time(folder.name)
        except ValueError:
            snapshot_at = None
        connection.execute(
            """
            insert into erp_sandbox.snapshot_state (seeded_from, seeded_snapshot_at)
            values (%s, %s)
            """,
            (str(folder), snapshot_at),
        )
    connection.commit()
    logger.info("Seeded the ERP sandbox from %s: %s", folder, counts)
    return counts


def _copy_file(connection: psycopg.Connection, spec: ObjectSpec, file: Path) -> int:
    by_header = {column.source[0]: column.name for column in spec.columns}
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        known = [name for name in reader.fieldnames or () if name in by_header]
        target = sql.SQL("copy {} ({}) from stdin").format(
            table(spec), sql.SQL(", ").join(sql.Identifier(by_header[name]) for name in known)
        )
        count = 0
        with connection.cursor().copy(target) as copy:
            for row in reader:
                copy.write_row([row[name] if row[name] != "" else None for name in known])
                count += 1
    return count


def export_snapshot(
    connection: psycopg.Connection,
    snapshot_root: Path,
    extracted_at: datetime | None = None,
) -> Path:
    """Write every NetSuite export file of the ledger to a new snapshot folder.

    The folder is `<snapshot_root>/netsuite/<extraction time>/`. The extraction time is
    `extracted_at`, or now, moved forward when needed so that it is later than the seeded
    snapshot and every existing snapshot folder; ingestion then loads it as the newest.
    The folder appears complete or not at all.
    """
    source_dir = Path(snapshot_root) / NETSUITE
    source_dir.mkdir(parents=True, exist_ok=True)
    at = _next_extraction_time(connection, source_dir, extracted_at)
    target = source_dir / format_snapshot_time(at)

    # The temporary folder is created beside the source folders, not inside netsuite/, so a
    # scan of netsuite/ never lists a half-written snapshot.
    staging = Path(tempfile.mkdtemp(prefix=".netsuite-export-", dir=snapshot_root))
    try:
        with connection.transaction():
            # Every file comes from one consistent view of the ledger.
            connection.execute("set transaction isolation level repeatable read")
            for spec in NETSUITE_OBJECTS:
                _write_file(connection, spec, staging / spec.file_names[0])
            connection.execute("update erp_sandbox.snapshot_state set last_export_at = %s", (at,))
        os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    connection.commit()
    logger.info("Exported the ERP sandbox ledger to %s", target)
    return target


def _next_extraction_time(
    connection: psycopg.Connection, source_dir: Path, requested: datetime | None
) -> datetime:
    at = (requested or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    floors = []
    row = connection.execute(
        "select seeded_snapshot_at, last_export_at from erp_sandbox.snapshot_state"
    ).fetchone()
    if row is not None:
        floors.extend(value for value in row if value is not None)
    for child in source_dir.iterdir():
        try:
            floors.append(parse_snapshot_time(child.name))
        except ValueError:
            continue
    if floors:
        at = max(at, max(floors) + timedelta(seconds=1))
    return at


def _write_file(connection: psycopg.Connection, spec: ObjectSpec, path: Path) -> None:
    columns = [column.name for column in spec.columns]
    order = sql.SQL(", ").join(
        sql.SQL("nullif({}, '')::numeric").format(sql.Identifier(name))
        if _is_integer(spec, name)
        else sql.Identifier(name)
        for name in spec.primary_key
    )
    query = sql.SQL("select {} from {} order by {}").format(
        sql.SQL(", ").join(sql.Identifier(name) for name in columns), table(spec), order
    )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header_of(spec))
        with connection.cursor(name=f"export_{spec.name}") as cursor:
            cursor.execute(query)
            for row in cursor:
                writer.writerow(_blank_nulls(row))


def _is_integer(spec: ObjectSpec, name: str) -> bool:
    return any(column.name == name and column.kind == "integer" for column in spec.columns)


def _blank_nulls(row: Iterable[str | None]) -> list[str]:
    return ["" if value is None else value for value in row]

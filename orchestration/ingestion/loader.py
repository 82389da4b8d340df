"""Load one export file into its raw table with COPY, in one transaction.

`load_file` streams the file through its adapter into `COPY ... FROM STDIN`, so memory
stays flat. Child rows (Stripe invoice lines, ...) are spooled to a temporary file and
copied after the parent rows, in the same transaction: either every row of the file and
its children is visible, or none is. The SHA-256 is computed while streaming.

Outcomes, each recorded in `raw._loads`:

- `loaded`: the rows are committed under a new load id.
- `skipped_duplicate`: a file with the same SHA-256 is already loaded for the same source
  and object; nothing else changes.
- `quarantined`: the file failed a check. It is copied to
  `<quarantine_dir>/<source>/<load_id>_<file name>`, a row is written to
  `ops.quarantine`, and no raw table changes.

Loads of one object are serialized with a transaction-level advisory lock, so two
processes cannot both load the same content.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson
import psycopg
from psycopg import sql

from orchestration.ingestion.adapters import parse_stream
from orchestration.ingestion.adapters.base import (
    LINE_NUMBER_COLUMN,
    LOAD_ID_COLUMN,
    ParseReport,
    child_table_columns,
    is_json_format,
    table_columns,
)
from orchestration.ingestion.copy_writer import BoundedQueueWriter
from orchestration.ingestion.errors import DuplicateKeyError, IngestionError, InvalidValueError
from orchestration.ingestion.objects import ObjectSpec
from orchestration.ingestion.reading import DEFAULT_ENCODING, FileStream
from orchestration.ingestion.schema import LOADED, QUARANTINED, SKIPPED_DUPLICATE

logger = logging.getLogger("tieout.ingestion")

# Rows buffered before one write to the COPY stream: about 1 MiB of Stripe invoices, whose
# rows carry their whole object, and less for narrower rows.
COPY_BATCH_ROWS = 400
# Child rows stay in memory up to this size before the spool moves to a temporary file.
SPOOL_MEMORY_BYTES = 16 * 1024 * 1024

_KEY_DETAIL = re.compile(r"Key \((?P<columns>.*)\)=\((?P<values>.*)\) already exists")
_COPY_CONTEXT = re.compile(r"COPY (?P<table>\S+), line (?P<row>\d+)(?:, column (?P<column>\w+))?")


@dataclass
class LoadResult:
    """The outcome of loading one file."""

    load_id: int
    status: str
    source: str
    object: str
    file_path: str
    sha256: str
    byte_size: int
    snapshot_at: datetime
    row_count: int = 0
    child_row_counts: dict[str, int] = field(default_factory=dict)
    schema_drift: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    incomplete_child_lists: int = 0
    duration_ms: int = 0
    error: IngestionError | None = None
    quarantined_path: str | None = None
    duplicate_of: int | None = None


def load_file(
    connection: psycopg.Connection,
    spec: ObjectSpec,
    path: str | Path,
    snapshot_at: datetime,
    quarantine_dir: str | Path,
    *,
    file_format: str | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> LoadResult:
    """Load one file of `spec` and record the outcome in the manifest.

    The connection must not be in autocommit mode and must have no open transaction.
    `ensure_raw_schema` must have run. Raises only for database errors that are not
    about the file's content; a bad file returns a `quarantined` result.
    """
    path = Path(path).resolve()
    file_format = file_format or spec.file_format
    started = time.monotonic()

    with connection.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"tieout.load:{spec.table}",))
        load_id = cursor.execute("select nextval('raw._loads_load_id_seq')").fetchone()[0]

    result = LoadResult(
        load_id=load_id,
        status=LOADED,
        source=spec.source,
        object=spec.name,
        file_path=str(path),
        sha256="",
        byte_size=0,
        snapshot_at=snapshot_at,
    )

    # A file whose content is already loaded is skipped before parsing it. The hash is
    # computed up front only when a loaded file of the same size exists.
    duplicate = _find_loaded_duplicate(connection, spec, path)
    if duplicate is not None:
        result.sha256, result.duplicate_of = duplicate
        result.byte_size = path.stat().st_size
        return _record_skip(connection, result, started)

    stream = FileStream(path)
    report = ParseReport(str(path))
    try:
        _copy_file(connection, spec, stream, report, load_id, file_format, encoding)
    except IngestionError as error:
        connection.rollback()
        result.sha256 = stream.finish()
        result.byte_size = stream.byte_size
        return _record_quarantine(connection, result, error, quarantine_dir, started)
    except psycopg.errors.UniqueViolation as error:
        connection.rollback()
        result.sha256 = stream.finish()
        result.byte_size = stream.byte_size
        located = _locate_duplicate_key(
            spec,
            path,
            file_format,
            encoding,
            load_id,
            error.diag.table_name or spec.table,
            error.diag.message_detail or "",
        )
        return _record_quarantine(connection, result, located, quarantine_dir, started)
    except psycopg.errors.DataError as error:
        connection.rollback()
        result.sha256 = stream.finish()
        result.byte_size = stream.byte_size
        located = _locate_data_error(spec, path, file_format, encoding, error)
        return _record_quarantine(connection, result, located, quarantine_dir, started)
    except BaseException:
        connection.rollback()
        stream.close()
        raise
    stream.close()

    result.sha256 = stream.sha256
    result.byte_size = stream.byte_size
    result.row_count = report.row_counts.get(spec.table, 0)
    result.child_row_counts = {
        child.table: report.row_counts.get(child.table, 0) for child in spec.children
    }
    result.schema_drift = list(report.unknown_columns)
    result.missing_columns = list(report.missing_columns)
    result.incomplete_child_lists = report.incomplete_child_lists

    with connection.cursor() as cursor:
        existing = cursor.execute(
            "select load_id from raw._loads where source = %s and object = %s"
            " and sha256 = %s and status = 'loaded'",
            (spec.source, spec.name, result.sha256),
        ).fetchone()
    if existing is not None:
        connection.rollback()
        result.duplicate_of = existing[0]
        return _record_skip(connection, result, started)

    result.duration_ms = _elapsed_ms(started)
    _insert_manifest(connection, result)
    connection.commit()
    _analyze(connection, spec, load_id)
    return result


def _analyze(connection: psycopg.Connection, spec: ObjectSpec, load_id: int) -> None:
    """Refresh the planner's statistics of the tables a load has just grown.

    Autovacuum samples a grown table only after a delay. Without this, the dbt build
    that follows a load plans its joins with the statistics of the previous snapshot,
    or with none.
    """
    tables = [spec.table, *(child.table for child in spec.children)]
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(sql.SQL("analyze {}").format(sql.Identifier("raw", table)))
        connection.commit()
    except psycopg.Error as error:
        # The load is committed already. Stale statistics slow the next build down but
        # change no result, so the load stays a success and autovacuum catches up later.
        connection.rollback()
        logger.warning(
            "ANALYZE of raw.%s failed after load %s: %s. Run ANALYZE on it as the table's"
            " owner before the next dbt build, or wait for autovacuum.",
            spec.table,
            load_id,
            error,
        )


def _copy_file(connection, spec, stream, report, load_id, file_format, encoding) -> None:
    with_record = is_json_format(file_format)
    rows = parse_stream(stream, spec, report, file_format=file_format, encoding=encoding)
    with contextlib.ExitStack() as stack:
        spools = {
            child.table: stack.enter_context(
                tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
            )
            for child in spec.children
        }
        child_buffers: dict[str, list[str]] = {table: [] for table in spools}
        parent = spec.table
        prefix = f"{load_id}\t"
        with connection.cursor() as cursor:
            columns = table_columns(spec, with_record=with_record)
            # The writer sends blocks from a thread, so the server ingests one block
            # while this thread parses the next.
            writer = BoundedQueueWriter(cursor)
            with cursor.copy(_copy_statement(parent, columns), writer=writer) as copy:
                buffer: list[str] = []
                for table, line, values in rows:
                    text = prefix + str(line) + "\t" + "\t".join(values) + "\n"
                    if table == parent:
                        buffer.append(text)
                        if len(buffer) >= COPY_BATCH_ROWS:
                            copy.write("".join(buffer).encode())
                            buffer.clear()
                    else:
                        child_buffer = child_buffers[table]
                        child_buffer.append(text)
                        if len(child_buffer) >= COPY_BATCH_ROWS:
                            spools[table].write("".join(child_buffer).encode())
                            child_buffer.clear()
                if buffer:
                    copy.write("".join(buffer).encode())

            for child in spec.children:
                spool = spools[child.table]
                spool.write("".join(child_buffers[child.table]).encode())
                spool.seek(0)
                statement = _copy_statement(child.table, child_table_columns(child))
                with cursor.copy(statement) as copy:
                    while block := spool.read(1 << 20):
                        copy.write(block)


def _copy_statement(table: str, columns: list[str]) -> sql.Composed:
    names = [LOAD_ID_COLUMN, LINE_NUMBER_COLUMN, *columns]
    return sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier("raw", table), sql.SQL(", ").join(map(sql.Identifier, names))
    )


def _find_loaded_duplicate(connection, spec: ObjectSpec, path: Path) -> tuple[str, int] | None:
    size = path.stat().st_size
    with connection.cursor() as cursor:
        candidates = cursor.execute(
            "select sha256, load_id from raw._loads where source = %s and object = %s"
            " and byte_size = %s and status = 'loaded'",
            (spec.source, spec.name, size),
        ).fetchall()
    if not candidates:
        return None
    with FileStream(path) as stream:
        sha256 = stream.finish()
    for candidate_sha, load_id in candidates:
        if candidate_sha == sha256:
            return sha256, load_id
    return None


def _record_skip(connection, result: LoadResult, started: float) -> LoadResult:
    result.status = SKIPPED_DUPLICATE
    result.row_count = 0
    result.child_row_counts = {}
    result.duration_ms = _elapsed_ms(started)
    _insert_manifest(connection, result)
    connection.commit()
    return result


def _record_quarantine(
    connection, result: LoadResult, error: IngestionError, quarantine_dir, started: float
) -> LoadResult:
    source_path = Path(result.file_path)
    target = Path(quarantine_dir) / result.source / f"{result.load_id}_{source_path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source_path, target)

    result.status = QUARANTINED
    result.error = error
    result.quarantined_path = str(target)
    result.row_count = 0
    result.child_row_counts = {}
    result.duration_ms = _elapsed_ms(started)

    _insert_manifest(connection, result)
    with connection.cursor() as cursor:
        cursor.execute(
            "insert into ops.quarantine (load_id, source, object, file_path, sha256, reason,"
            ' message, line, "column", quarantined_path)'
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                result.load_id,
                result.source,
                result.object,
                result.file_path,
                result.sha256,
                error.reason,
                str(error),
                error.line,
                error.column,
                result.quarantined_path,
            ),
        )
    connection.commit()
    return result


def _insert_manifest(connection, result: LoadResult) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "insert into raw._loads (load_id, source, object, file_path, sha256, byte_size,"
            " row_count, child_row_counts, snapshot_at, status, error, schema_drift,"
            " duration_ms, duplicate_of)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s::jsonb, %s, %s)",
            (
                result.load_id,
                result.source,
                result.object,
                result.file_path,
                result.sha256,
                result.byte_size,
                result.row_count,
                orjson.dumps(result.child_row_counts).decode(),
                result.snapshot_at,
                result.status,
                str(result.error) if result.error is not None else None,
                orjson.dumps(result.schema_drift).decode(),
                result.duration_ms,
                result.duplicate_of,
            ),
        )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


# --- errors found by PostgreSQL ---------------------------------------------------


def _rows_of(spec, path, file_format, encoding, table):
    """Yield (line, values) of one table of a file, parsing it again."""
    report = ParseReport(str(path))
    with FileStream(path) as stream:
        for row_table, line, values in parse_stream(
            stream, spec, report, file_format=file_format, encoding=encoding
        ):
            if row_table == table:
                yield line, values


def _locate_duplicate_key(spec, path, file_format, encoding, load_id, table, detail):
    """Find the two lines behind a primary key violation that COPY reported."""
    match = _KEY_DETAIL.search(detail)
    key_columns = match.group("columns").split(", ")[1:] if match else list(spec.primary_key)
    key_text = match.group("values") if match else ""

    if table == spec.table:
        names = table_columns(spec, with_record=is_json_format(file_format))
    else:
        child = next(child for child in spec.children if child.table == table)
        names = child_table_columns(child)
    positions = [names.index(column) for column in key_columns]

    first_line = None
    for line, values in _rows_of(spec, path, file_format, encoding, table):
        key = ", ".join([str(load_id), *(values[i] for i in positions)])
        if key != key_text:
            continue
        if first_line is None:
            first_line = line
            continue
        shown = ", ".join(f"{c}={values[i]!r}" for c, i in zip(key_columns, positions, strict=True))
        return DuplicateKeyError(
            path,
            f"duplicate primary key {shown} in {table}: the same key is on line {first_line}",
            line=line,
            column=", ".join(key_columns),
            hint="each row of a file must have its own key; remove the repeated row",
        )
    return DuplicateKeyError(
        path,
        f"duplicate primary key in {table}: {detail}",
        column=", ".join(key_columns),
        hint="each row of a file must have its own key; remove the repeated row",
    )


def _locate_data_error(spec, path, file_format, encoding, error: psycopg.DataError):
    """Turn a value PostgreSQL rejected during COPY into an error with the file's line."""
    context = _COPY_CONTEXT.search(error.diag.context or "")
    message = error.diag.message_primary or str(error)
    if context is None:
        return InvalidValueError(path, f"rejected by PostgreSQL: {message}")

    table = context.group("table")
    row_number = int(context.group("row"))
    line = None
    for index, (row_line, _) in enumerate(_rows_of(spec, path, file_format, encoding, table), 1):
        if index == row_number:
            line = row_line
            break
    return InvalidValueError(
        path,
        f"rejected by PostgreSQL: {message}",
        line=line,
        column=context.group("column"),
        hint="fix the value in the source system or the export",
    )

"""Period sign-offs in ops.period_signoffs: record one, list them, load the generator's file."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from orchestration.close.calendar import parse_period
from orchestration.close.tables import ensure_close_tables

SIGNOFF_FILE_COLUMNS = ("subsidiary_id", "period", "signed_off_by", "signed_off_at")

_UPSERT = """
insert into ops.period_signoffs (subsidiary_id, period, signed_off_by, signed_off_at)
values (%s, %s, %s, %s)
on conflict ((coalesce(subsidiary_id, -1)), period) do update
set signed_off_by = excluded.signed_off_by, signed_off_at = excluded.signed_off_at
"""


class SignoffExistsError(Exception):
    """The period is already signed off for that subsidiary."""


@dataclass(frozen=True)
class Signoff:
    """A signed-off period; `subsidiary_id` None covers every subsidiary."""

    subsidiary_id: int | None
    period: str
    signed_off_by: str
    signed_off_at: datetime


def record_signoff(
    conn: psycopg.Connection,
    period: str,
    signed_off_by: str,
    subsidiary_id: int | None = None,
    signed_off_at: datetime | None = None,
    replace: bool = False,
) -> Signoff:
    """Insert a sign-off and return it; `signed_off_at` defaults to now.

    Raises ValueError for an invalid period or an empty name, and SignoffExistsError when
    the period is already signed off for that subsidiary, unless `replace` is true. Runs
    in the caller's transaction; the caller commits.
    """
    signoff = _validated(subsidiary_id, period, signed_off_by, signed_off_at or datetime.now(UTC))
    ensure_close_tables(conn)

    existing = _find(conn, subsidiary_id, period)
    if existing is not None and not replace:
        scope = "all subsidiaries" if subsidiary_id is None else f"subsidiary {subsidiary_id}"
        raise SignoffExistsError(
            f"Period {period} is already signed off for {scope} by {existing.signed_off_by} "
            f"at {existing.signed_off_at.isoformat()}. Pass --replace to sign it off again."
        )

    conn.execute(_UPSERT, _row(signoff))
    return signoff


def list_signoffs(conn: psycopg.Connection) -> list[Signoff]:
    """Return every sign-off, newest period first."""
    ensure_close_tables(conn)
    rows = conn.execute(
        """
        select subsidiary_id, period, signed_off_by, signed_off_at
        from ops.period_signoffs
        order by period desc, subsidiary_id nulls first
        """
    ).fetchall()
    return [Signoff(*row) for row in rows]


def load_signoffs_file(conn: psycopg.Connection, path: Path) -> int:
    """Insert or update the sign-offs of a CSV file and return how many rows it had.

    The file has the columns subsidiary_id (empty for all subsidiaries), period,
    signed_off_by and signed_off_at (ISO 8601, UTC when it has no offset). A sign-off in
    the file replaces the stored one of the same subsidiary and period. Raises ValueError
    naming the line of an invalid row; then nothing is written. Runs in the caller's
    transaction; the caller commits.
    """
    signoffs = read_signoffs_file(path)
    ensure_close_tables(conn)
    with conn.cursor() as cursor:
        cursor.executemany(_UPSERT, [_row(signoff) for signoff in signoffs])
    return len(signoffs)


def read_signoffs_file(path: Path) -> list[Signoff]:
    """Parse a sign-offs CSV file. Raises ValueError naming the file and line of a bad row."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in SIGNOFF_FILE_COLUMNS if name not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(
                f"Invalid sign-offs file {path}: missing columns {', '.join(missing)}; "
                f"expected {', '.join(SIGNOFF_FILE_COLUMNS)}."
            )

        signoffs = []
        for line_number, row in enumerate(reader, start=2):
            try:
                signoffs.append(_parse_row(row))
            except ValueError as error:
                raise ValueError(
                    f"Invalid sign-off in {path}, line {line_number}: {error}"
                ) from None
    return signoffs


def _parse_row(row: dict[str, str]) -> Signoff:
    subsidiary_text = (row["subsidiary_id"] or "").strip()
    subsidiary_id = int(subsidiary_text) if subsidiary_text else None

    signed_off_at = datetime.fromisoformat((row["signed_off_at"] or "").strip())
    if signed_off_at.tzinfo is None:
        signed_off_at = signed_off_at.replace(tzinfo=UTC)

    return _validated(subsidiary_id, row["period"].strip(), row["signed_off_by"], signed_off_at)


def _validated(
    subsidiary_id: int | None, period: str, signed_off_by: str, signed_off_at: datetime
) -> Signoff:
    parse_period(period)
    name = (signed_off_by or "").strip()
    if not name:
        raise ValueError("Missing signed_off_by: name the person who signs the period off.")
    return Signoff(subsidiary_id, period, name, signed_off_at)


def _find(conn: psycopg.Connection, subsidiary_id: int | None, period: str) -> Signoff | None:
    row = conn.execute(
        """
        select subsidiary_id, period, signed_off_by, signed_off_at
        from ops.period_signoffs
        where coalesce(subsidiary_id, -1) = coalesce(%s::integer, -1) and period = %s
        """,
        (subsidiary_id, period),
    ).fetchone()
    return None if row is None else Signoff(*row)


def _row(signoff: Signoff) -> tuple:
    return (signoff.subsidiary_id, signoff.period, signoff.signed_off_by, signoff.signed_off_at)

"""Run the report queries and keep, per section, its rows or why it has none."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from orchestration.close.report.queries import ReportQuery, report_queries
from orchestration.close.status import relation_exists

logger = logging.getLogger("tieout.close")


@dataclass(frozen=True)
class SectionData:
    """Rows of one report section, or the reason it has none (`unavailable`)."""

    rows: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    unavailable: str | None = None

    def for_subsidiary(self, subsidiary_id: int) -> SectionData:
        """Return the rows of one subsidiary."""
        rows = [row for row in self.rows if row.get("subsidiary_id") == subsidiary_id]
        return SectionData(rows, self.columns, self.unavailable)


@dataclass(frozen=True)
class Subsidiary:
    """A subsidiary from the seed file: id, name and functional currency."""

    subsidiary_id: int
    name: str
    functional_currency: str


@dataclass(frozen=True)
class ReportData:
    """Everything the close report shows for one period."""

    period: str
    generated_at: datetime
    subsidiaries: list[Subsidiary]
    sections: dict[str, SectionData]


def fetch_report_data(
    conn: psycopg.Connection, period: str, seed_path: Path, generated_at: datetime
) -> ReportData:
    """Run every report query for `period` and return the rows by section name.

    A section whose relation does not exist, or whose query fails, keeps the reason in
    `unavailable` instead of rows, so a partly built warehouse still gives a report.
    """
    sections = {query.name: _fetch_section(conn, query) for query in report_queries(period)}
    known = {subsidiary.subsidiary_id: subsidiary for subsidiary in read_subsidiaries(seed_path)}

    # Subsidiaries appear in the report when the seed lists them or any section names them.
    seen = {
        row["subsidiary_id"]
        for section in sections.values()
        for row in section.rows
        if row.get("subsidiary_id") is not None
    }
    for subsidiary_id in seen - set(known):
        known[subsidiary_id] = Subsidiary(subsidiary_id, f"Subsidiary {subsidiary_id}", "")

    return ReportData(
        period=period,
        generated_at=generated_at,
        subsidiaries=sorted(known.values(), key=lambda item: item.subsidiary_id),
        sections=sections,
    )


def read_subsidiaries(seed_path: Path) -> list[Subsidiary]:
    """Read the subsidiaries seed (subsidiary_id, subsidiary_name, functional_currency, ...)."""
    if not seed_path.is_file():
        return []
    with seed_path.open(newline="", encoding="utf-8") as handle:
        return [
            Subsidiary(
                int(row["subsidiary_id"]), row["subsidiary_name"], row["functional_currency"]
            )
            for row in csv.DictReader(handle)
        ]


def _fetch_section(conn: psycopg.Connection, query: ReportQuery) -> SectionData:
    if not relation_exists(conn, query.relation_name):
        return SectionData(unavailable=f"{query.relation_name} does not exist yet.")

    try:
        # A savepoint keeps the connection usable for the next section after an error.
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(query.statement, query.params)
            rows = cursor.fetchall()
            columns = [column.name for column in cursor.description or ()]
    except psycopg.Error as error:
        message = str(error).strip().splitlines()[0]
        logger.warning(
            "Report section %s failed on %s: %s", query.name, query.relation_name, message
        )
        return SectionData(unavailable=f"Reading {query.relation_name} failed: {message}")

    return SectionData([_plain(row) for row in rows], columns)


def _plain(row: dict) -> dict:
    # Decimals become floats for plotly and the template; the report shows rounded amounts.
    return {
        key: float(value) if isinstance(value, Decimal) else value for key, value in row.items()
    }

"""Summary metadata for the reconciliation marts, read back after dbt builds them."""

from __future__ import annotations

from typing import Any

import dagster as dg
import psycopg

EXCEPTIONS_KEY = dg.AssetKey(["finance", "reconciliation_exceptions"])
SUMMARY_KEY = dg.AssetKey(["finance", "reconciliation_summary"])

EXCEPTION_COUNTS_SQL = """
select reason_code, count(*)
from finance.reconciliation_exceptions
group by reason_code
order by reason_code
"""

MATCH_RATES_SQL = """
select
    pair,
    sum(matched_count),
    sum(total_count)
from finance.reconciliation_summary
group by pair
order by pair
"""

# The same over the periods of a partitioned run, both bounds inclusive ('YYYY-MM').
PERIOD_MATCH_RATES_SQL = """
select
    pair,
    sum(matched_count),
    sum(total_count)
from finance.reconciliation_summary
where period between %(period_start)s and %(period_end)s
group by pair
order by pair
"""


def exception_metadata(rows: list[tuple[str, int]]) -> dict[str, Any]:
    """Build the metadata of the exceptions mart from (reason_code, count) rows."""
    counts = {reason_code: int(count) for reason_code, count in rows}
    return {
        "exception_count": sum(counts.values()),
        "exceptions_by_reason_code": dg.MetadataValue.json(counts),
    }


def match_rate_metadata(rows: list[tuple[str, int, int]]) -> dict[str, Any]:
    """Build the metadata of the summary mart from (pair, matched, total) rows."""
    rates = {
        pair: round(int(matched) / int(total), 4) if total else None
        for pair, matched, total in rows
    }
    return {"match_rate_by_pair": dg.MetadataValue.json(rates)}


def mart_metadata(
    connection: psycopg.Connection,
    asset_key: dg.AssetKey,
    periods: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Query the summary metadata of one mart; empty for assets without any.

    `periods` (first, last) limits the summary mart's match rates to those periods.
    """
    if asset_key == EXCEPTIONS_KEY:
        return exception_metadata(connection.execute(EXCEPTION_COUNTS_SQL).fetchall())
    if asset_key == SUMMARY_KEY and periods is None:
        return match_rate_metadata(connection.execute(MATCH_RATES_SQL).fetchall())
    if asset_key == SUMMARY_KEY:
        period_start, period_end = periods
        rows = connection.execute(
            PERIOD_MATCH_RATES_SQL,
            {"period_start": period_start, "period_end": period_end},
        ).fetchall()
        return match_rate_metadata(rows)
    return {}

"""Read the close state of the warehouse: which marts exist, how many documents were restated."""

from __future__ import annotations

import psycopg


def relation_exists(conn: psycopg.Connection, qualified_name: str) -> bool:
    """Return whether a table or view such as `finance.close_readiness` exists."""
    row = conn.execute("select to_regclass(%s) is not null", (qualified_name,)).fetchone()
    return bool(row[0])


def restatement_counts(conn: psycopg.Connection) -> dict[tuple[int, str], int] | None:
    """Count restated documents per (subsidiary_id, period) in finance.restated_after_signoff.

    Returns None when that table does not exist yet.
    """
    if not relation_exists(conn, "finance.restated_after_signoff"):
        return None

    rows = conn.execute(
        """
        select subsidiary_id, period, count(*)
        from finance.restated_after_signoff
        group by subsidiary_id, period
        """
    ).fetchall()
    return {(subsidiary_id, period): count for subsidiary_id, period, count in rows}


def restated_for(counts: dict[tuple[int, str], int], subsidiary_id: int | None, period: str) -> int:
    """Return the restated documents of one sign-off; None as subsidiary counts them all."""
    return sum(
        count
        for (counted_subsidiary, counted_period), count in counts.items()
        if counted_period == period and subsidiary_id in (None, counted_subsidiary)
    )

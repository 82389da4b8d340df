"""Warehouse queries and tables that `tieout demo` prints at the end."""

from __future__ import annotations

from collections import Counter

import psycopg
from rich.table import Table

LOADED_ROWS_SQL = """
select loads.source, loads.object, loads.row_count, loads.snapshot_at
from raw._latest_loads as latest
join raw._loads as loads on loads.load_id = latest.load_id
order by loads.source, loads.object
"""

QUARANTINED_SQL = "select file_path, reason from ops.quarantine order by quarantined_at"

MATCH_RATES_SQL = """
select pair, sum(matched_count) as matched, sum(total_count) as total
from finance.reconciliation_summary
group by pair
order by pair
"""

EXCEPTIONS_SQL = "select reason_code, count(*) from finance.reconciliation_exceptions group by 1"

GATES_SQL = """
select distinct on (suite) suite, success
from quality.validation_results
order by suite, validated_at desc
"""

BATCHES_SQL = "select state, count(*) from posting.batches group by state order by state"

LATEST_PERIOD_SQL = "select max(period) from finance.close_readiness"


def exception_counts(connection: psycopg.Connection) -> Counter[str]:
    """Return the number of open exceptions per reason code."""
    return Counter(dict(connection.execute(EXCEPTIONS_SQL).fetchall()))


def latest_period(connection: psycopg.Connection) -> str | None:
    """Return the latest accounting period that the close-readiness mart covers."""
    return connection.execute(LATEST_PERIOD_SQL).fetchone()[0]


def loaded_rows_table(connection: psycopg.Connection) -> Table:
    """Rows of the latest load of each raw object."""
    table = Table("source", "object", "rows", "snapshot", title="Ingested (latest snapshot)")
    for source, name, rows, snapshot_at in connection.execute(LOADED_ROWS_SQL):
        table.add_row(source, name, f"{rows:,}", snapshot_at.strftime("%Y-%m-%d %H:%M UTC"))
    return table


def quarantine_lines(connection: psycopg.Connection) -> list[str]:
    """One line per quarantined file, with its reason."""
    return [f"{path}: {reason}" for path, reason in connection.execute(QUARANTINED_SQL)]


def match_rate_table(connection: psycopg.Connection) -> Table:
    """Matched items over all items per reconciliation pair, across periods."""
    table = Table("pair", "matched", "total", "match rate", title="Match rates")
    for pair, matched, total in connection.execute(MATCH_RATES_SQL):
        rate = f"{matched / total:.1%}" if total else "n/a"
        table.add_row(pair, f"{matched:,}", f"{total:,}", rate)
    return table


def exceptions_table(before: Counter[str], after: Counter[str]) -> Table:
    """Exceptions per reason code before and after the posted journals came back."""
    table = Table(
        "reason code", "before posting", "after posting", title="Reconciliation exceptions"
    )
    for reason in sorted(set(before) | set(after)):
        table.add_row(reason, str(before.get(reason, 0)), str(after.get(reason, 0)))
    table.add_row("total", str(sum(before.values())), str(sum(after.values())), style="bold")
    return table


def gates_table(connection: psycopg.Connection) -> Table:
    """The newest result of every Great Expectations suite."""
    results = connection.execute(GATES_SQL).fetchall()
    failed = [suite for suite, success in results if not success]
    table = Table("quality gates", "result", title="Data-quality gates")
    table.add_row("suites passed", f"{len(results) - len(failed)} of {len(results)}")
    for suite in failed:
        table.add_row(suite, "[red]failed[/red]")
    return table


def batches_table(connection: psycopg.Connection) -> Table:
    """Journal batches per state."""
    table = Table("state", "batches", title="Journal batches")
    for state, count in connection.execute(BATCHES_SQL):
        table.add_row(state, str(count))
    return table

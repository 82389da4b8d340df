"""`tieout journals`: list, inspect, approve, reject and post journal batches."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.table import Table

from orchestration.cli.common import console, error_console
from orchestration.database import ensure_database
from orchestration.posting.adapters import ErpAdapter, NetSuiteCsvAdapter, RestErpAdapter
from orchestration.posting.approvals import (
    ApprovalError,
    approve_batch,
    reject_batch,
    requeue_batch,
)
from orchestration.posting.batches import load_batch
from orchestration.posting.dispatch import post_ready_batches
from orchestration.posting.poster import BatchNotFound, RetryPolicy, post_batch
from orchestration.posting.resources import DEFAULT_ERP_URL
from orchestration.posting.schema import BATCH_STATES, ensure_posting_tables
from orchestration.settings import load_settings

app = typer.Typer(
    help="List, inspect, approve, reject and post journal batches.", no_args_is_help=True
)

STATE_STYLES = {
    "proposed": "yellow",
    "approved": "cyan",
    "posting": "blue",
    "posted": "green",
    "failed": "red",
    "dead_lettered": "red",
    "rejected": "dim",
}


@contextlib.contextmanager
def _warehouse() -> Iterator[psycopg.Connection]:
    info = ensure_database(load_settings())
    with psycopg.connect(info.libpq_url(), autocommit=True) as connection:
        ensure_posting_tables(connection)
        yield connection


def _styled(state: str) -> str:
    return f"[{STATE_STYLES.get(state, 'white')}]{state}[/]"


@app.command("list")
def list_batches(
    state: Annotated[
        str | None,
        typer.Option(help=f"Show only batches in this state: {', '.join(BATCH_STATES)}."),
    ] = None,
) -> None:
    """List journal batches, newest first."""
    if state is not None and state not in BATCH_STATES:
        error_console.print(f"Invalid state {state!r}: expected one of {', '.join(BATCH_STATES)}.")
        raise typer.Exit(code=2)

    with _warehouse() as connection:
        rows = connection.execute(
            """
            select batch_id, state, subsidiary_id, period, currency, total_debit, line_count,
                   document_count, prepared_by, updated_at
            from posting.batches
            where %(state)s::text is null or state = %(state)s
            order by created_at desc, batch_id
            """,
            {"state": state},
        ).fetchall()

    table = Table(title="Journal batches", title_justify="left")
    for header in ("batch", "state", "sub.", "period", "cur.", "debits"):
        table.add_column(header, no_wrap=True)
    for header in ("lines", "docs", "prepared by", "updated"):
        table.add_column(header)
    for batch_id, batch_state, subsidiary, period, currency, debit, lines, docs, by, at in rows:
        table.add_row(
            batch_id,
            _styled(batch_state),
            str(subsidiary),
            period,
            currency,
            f"{debit:,}",
            str(lines),
            str(docs),
            by,
            f"{at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    if not rows:
        console.print("No batches. Materialize posting/journal_batches to propose some.")


@app.command()
def show(batch_id: Annotated[str, typer.Argument(help="Batch id, as `list` shows it.")]) -> None:
    """Show a batch's lines, approvals and posting log."""
    with _warehouse() as connection:
        batch = load_batch(connection, batch_id)
        if batch is None:
            error_console.print(
                f"Batch {batch_id} not found. List batches with `tieout journals list`."
            )
            raise typer.Exit(code=1)
        approvals = connection.execute(
            """
            select approved_by, approved_at, content_hash from posting.approvals
            where batch_id = %s order by approved_at
            """,
            (batch_id,),
        ).fetchall()
        log = connection.execute(
            """
            select at, state, actor, attempt, message from posting.posting_log
            where batch_id = %s order by log_id
            """,
            (batch_id,),
        ).fetchall()

    header = Table("field", "value", title=f"Batch {batch_id}", title_justify="left")
    for field, value in (
        ("state", _styled(batch.state)),
        ("proposal", batch.proposal_id),
        ("subsidiary", str(batch.subsidiary_id)),
        ("period", batch.period),
        ("currency", batch.currency),
        ("functional currency", batch.functional_currency or ""),
        ("exchange rate", str(batch.exchange_rate)),
        ("journal date", batch.journal_date.isoformat()),
        ("content hash", batch.content_hash),
        ("prepared by", batch.prepared_by),
        ("idempotency key", batch.idempotency_key or ""),
        ("ERP journal", batch.erp_journal_id or ""),
    ):
        header.add_row(field, value)
    console.print(header)

    lines = Table("#", "account", "family", "tax code", "debit", "credit", "documents", "memo")
    for number, line in enumerate(batch.lines, start=1):
        lines.add_row(
            str(number),
            line.account,
            line.class_,
            line.tax_code,
            f"{line.debit:,}" if line.debit else "",
            f"{line.credit:,}" if line.credit else "",
            _short_list(line.source_documents),
            line.memo,
        )
    console.print(lines)

    if approvals:
        approval_table = Table("approved by", "at", "content hash", title="Approvals")
        for by, at, content_hash in approvals:
            current = "" if content_hash == batch.content_hash else " (outdated)"
            approval_table.add_row(by, f"{at:%Y-%m-%d %H:%M:%S}", content_hash[:16] + current)
        console.print(approval_table)

    log_table = Table("at", "state", "actor", "attempt", "message", title="Posting log")
    for at, state, actor, attempt, message in log:
        log_table.add_row(
            f"{at:%Y-%m-%d %H:%M:%S}",
            _styled(state),
            actor,
            "" if attempt is None else str(attempt),
            message or "",
        )
    console.print(log_table)


def _short_list(items: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@app.command()
def approve(
    batch_id: Annotated[str, typer.Argument(help="Batch id to approve.")],
    by: Annotated[str, typer.Option("--by", help="Name of the approver; not the preparer.")],
) -> None:
    """Approve a proposed batch; the approval sensor then posts it."""
    with _warehouse() as connection:
        try:
            decision = approve_batch(connection, batch_id, by)
        except ApprovalError as error:
            error_console.print(f"Approval failed: {error}")
            raise typer.Exit(code=1) from None
    console.print(
        f"Approved batch {decision.batch_id} (content hash {decision.content_hash[:16]}) as {by}."
    )


@app.command()
def reject(
    batch_id: Annotated[str, typer.Argument(help="Batch id to reject.")],
    by: Annotated[str, typer.Option("--by", help="Name of the person rejecting it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the batch must not be posted.")],
) -> None:
    """Reject a batch so it is never posted; the reason goes to the posting log."""
    with _warehouse() as connection:
        try:
            decision = reject_batch(connection, batch_id, by, reason)
        except ApprovalError as error:
            error_console.print(f"Rejection failed: {error}")
            raise typer.Exit(code=1) from None
    console.print(f"Rejected batch {decision.batch_id} as {by}: {reason}")


@app.command()
def retry(
    batch_id: Annotated[str, typer.Argument(help="Failed or dead-lettered batch id.")],
    by: Annotated[str, typer.Option("--by", help="Name of the person requeueing it.")],
) -> None:
    """Requeue a failed or dead-lettered batch for posting under its existing approval."""
    with _warehouse() as connection:
        try:
            decision = requeue_batch(connection, batch_id, by)
        except ApprovalError as error:
            error_console.print(f"Retry failed: {error}")
            raise typer.Exit(code=1) from None
    console.print(f"Requeued batch {decision.batch_id}; the approval sensor posts it next.")


@app.command()
def post(
    batch_id: Annotated[
        str | None, typer.Argument(help="Batch id; omit it to post every approved batch.")
    ] = None,
    erp_url: Annotated[
        str, typer.Option(envvar="TIEOUT_ERP_URL", help="Base URL of the ERP's REST API.")
    ] = DEFAULT_ERP_URL,
    drop_folder: Annotated[
        Path | None,
        typer.Option(
            help="Write NetSuite journal import CSV files here instead of calling the API."
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the ERP per request.")] = 10.0,
    max_attempts: Annotated[
        int, typer.Option(min=1, help="Attempts per batch before it is dead-lettered.")
    ] = 5,
    base_delay: Annotated[
        float, typer.Option(min=0, help="Seconds before the first retry; doubles per retry.")
    ] = 1.0,
    max_delay: Annotated[
        float, typer.Option(min=0, help="Maximum seconds between retries.")
    ] = 30.0,
) -> None:
    """Post approved batches now, without Dagster.

    A batch left in `posting` by a run that was killed is resumed with its stored
    idempotency key, so the ERP returns the journal it may already have.
    """
    adapter: ErpAdapter = (
        NetSuiteCsvAdapter(drop_folder)
        if drop_folder is not None
        else RestErpAdapter(erp_url, timeout_seconds=timeout)
    )
    policy = RetryPolicy(max_attempts, base_delay, max_delay)
    try:
        with _warehouse() as connection:
            if batch_id is None:
                outcomes = post_ready_batches(connection, adapter, retry=policy)
            else:
                outcomes = [post_batch(connection, adapter, batch_id, retry=policy)]
    except BatchNotFound as error:
        error_console.print(f"{error} List batches with `tieout journals list`.")
        raise typer.Exit(code=1) from None
    finally:
        adapter.close()

    table = Table("batch", "state", "ERP journal", "attempts", "message", title="Posting")
    for outcome in outcomes:
        table.add_row(
            outcome.batch_id,
            _styled(outcome.state),
            outcome.erp_journal_id or "",
            str(outcome.attempts),
            outcome.message,
        )
    console.print(table)
    if not outcomes:
        console.print("No approved batch is waiting to be posted.")
    if any(outcome.state in ("failed", "dead_lettered") for outcome in outcomes):
        raise typer.Exit(code=1)

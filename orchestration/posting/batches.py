"""Journal batches: proposals from dbt turned into batches that a person approves.

A proposal (`posting.journal_proposal_lines`, one `proposal_id` per subsidiary, period and
currency) becomes a batch with the same lines. While a batch is not posted it follows its
proposal: when the proposal's content changes, the batch gets the new lines and content
hash and goes back to `proposed`, so an earlier approval no longer applies. Once a batch is
posted it never changes, and documents it posted drop out of later proposals.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from orchestration.posting.journal import Journal, JournalLine, content_hash
from orchestration.posting.posting_log import SYSTEM_ACTOR, append_log, set_state

logger = logging.getLogger("tieout.posting")

PROPOSAL_LINES_TABLE = "posting.journal_proposal_lines"
# States in which a batch may still take its proposal's new content. A dead-lettered batch
# is not among them: one of its timed-out requests may have reached the ERP, so only a
# retry under the same idempotency key can tell, and a person decides (retry or reject).
REVISABLE_STATES = ("proposed", "approved", "failed", "rejected")
# States that a vanished proposal withdraws, so the sensor never posts stale content.
WITHDRAWABLE_STATES = ("proposed", "approved", "failed")


@dataclass(frozen=True)
class Proposal:
    """The lines of one proposed journal with the header fields they share."""

    proposal_id: str
    subsidiary_id: int
    period: str
    currency: str
    functional_currency: str | None
    exchange_rate: Decimal
    journal_date: date
    lines: tuple[JournalLine, ...]
    line_types: tuple[str, ...]

    @property
    def content_hash(self) -> str:
        return content_hash(
            subsidiary_id=self.subsidiary_id,
            period=self.period,
            currency=self.currency,
            exchange_rate=self.exchange_rate,
            journal_date=self.journal_date,
            lines=self.lines,
        )

    @property
    def document_count(self) -> int:
        return len({doc for line in self.lines for doc in line.source_documents})


@dataclass(frozen=True)
class Batch:
    """A batch row with its lines."""

    batch_id: str
    proposal_id: str
    subsidiary_id: int
    period: str
    currency: str
    functional_currency: str | None
    exchange_rate: Decimal
    journal_date: date
    content_hash: str
    state: str
    prepared_by: str
    requeue_count: int
    idempotency_key: str | None
    erp_journal_id: str | None
    lines: tuple[JournalLine, ...]

    @property
    def computed_content_hash(self) -> str:
        """The content hash recomputed from the stored lines."""
        return content_hash(
            subsidiary_id=self.subsidiary_id,
            period=self.period,
            currency=self.currency,
            exchange_rate=self.exchange_rate,
            journal_date=self.journal_date,
            lines=self.lines,
        )

    @property
    def correlation_id(self) -> str:
        """Every document's correlation id (`sf:<contract>|stripe:<document>`), sorted."""
        ids = {cid for line in self.lines for cid in line.correlation_ids}
        return ";".join(sorted(ids))

    def to_journal(self, key: str) -> Journal:
        """Return the journal to send to the ERP under idempotency key `key`."""
        documents = {doc for line in self.lines for doc in line.source_documents}
        return Journal(
            external_id=key,
            subsidiary_id=self.subsidiary_id,
            currency=self.currency,
            exchange_rate=self.exchange_rate,
            date=self.journal_date,
            posting_period=self.period,
            memo=f"tieout batch {self.batch_id}, billing documents: {len(documents)}",
            lines=self.lines,
        )


@dataclass
class SyncSummary:
    """Batch ids of one `sync_batches` run, grouped by outcome."""

    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    already_posted: list[str] = field(default_factory=list)


def read_proposals(connection: psycopg.Connection) -> dict[str, Proposal]:
    """Read every proposal from `posting.journal_proposal_lines`, keyed by proposal_id."""
    rows = connection.execute(
        f"""
        select proposal_id, line_number, line_type, subsidiary_id, period, currency,
               functional_currency, exchange_rate, journal_date, account_number,
               product_family, tax_code, debit, credit, memo, source_documents,
               correlation_ids
        from {PROPOSAL_LINES_TABLE}
        order by proposal_id, line_number
        """
    ).fetchall()

    grouped: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return {proposal_id: _proposal_from_rows(lines) for proposal_id, lines in grouped.items()}


def _proposal_from_rows(rows: list[tuple]) -> Proposal:
    first = rows[0]
    lines = tuple(
        JournalLine(
            account=str(row[9]),
            debit=Decimal(row[12]),
            credit=Decimal(row[13]),
            memo=row[14] or "",
            class_=row[10] or "",
            tax_code=row[11] or "",
            source_documents=tuple(row[15] or ()),
            correlation_ids=tuple(row[16] or ()),
        )
        for row in rows
    )
    return Proposal(
        proposal_id=first[0],
        subsidiary_id=int(first[3]),
        period=first[4],
        currency=first[5],
        functional_currency=first[6],
        exchange_rate=Decimal(first[7]),
        journal_date=first[8],
        lines=lines,
        line_types=tuple(row[2] for row in rows),
    )


def sync_batches(
    connection: psycopg.Connection,
    proposals: dict[str, Proposal],
    prepared_by: str = SYSTEM_ACTOR,
) -> SyncSummary:
    """Create or revise one batch per proposal and withdraw batches whose proposal is gone.

    Each proposal is handled in its own transaction with its batches locked, so the lines
    of a batch cannot change while a posting run reads them.
    """
    summary = SyncSummary()
    for proposal in proposals.values():
        with connection.transaction():
            _sync_proposal(connection, proposal, prepared_by, summary)

    with connection.transaction():
        _withdraw_vanished(connection, set(proposals), summary)
    connection.commit()
    return summary


def _sync_proposal(
    connection: psycopg.Connection, proposal: Proposal, prepared_by: str, summary: SyncSummary
) -> None:
    new_hash = proposal.content_hash
    batches = connection.execute(
        """
        select batch_id, state, content_hash
        from posting.batches
        where proposal_id = %s
        order by created_at, batch_id
        for update
        """,
        (proposal.proposal_id,),
    ).fetchall()

    for batch_id, state, old_hash in batches:
        if state == "posted" and old_hash == new_hash:
            summary.already_posted.append(batch_id)
            return

    open_batches = [row for row in batches if row[1] != "posted"]
    if not open_batches:
        batch_id = f"{proposal.proposal_id}.{len(batches) + 1}"
        _insert_batch(connection, batch_id, proposal, new_hash, prepared_by)
        summary.created.append(batch_id)
        return

    batch_id, state, old_hash = open_batches[-1]
    if old_hash == new_hash:
        summary.unchanged.append(batch_id)
        return
    if state not in REVISABLE_STATES:
        # A posting run has locked this batch, so the next sync applies the new content.
        summary.busy.append(batch_id)
        logger.info("Batch %s is %s, so its new content waits for the next sync", batch_id, state)
        return

    _revise_batch(connection, batch_id, proposal, old_hash, new_hash, state)
    summary.revised.append(batch_id)


def _insert_batch(
    connection: psycopg.Connection,
    batch_id: str,
    proposal: Proposal,
    new_hash: str,
    prepared_by: str,
) -> None:
    connection.execute(
        """
        insert into posting.batches (
            batch_id, proposal_id, subsidiary_id, period, currency, functional_currency,
            exchange_rate, journal_date, content_hash, state, prepared_by, total_debit,
            total_credit, line_count, document_count
        )
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'proposed', %s, %s, %s, %s, %s)
        """,
        (
            batch_id,
            proposal.proposal_id,
            proposal.subsidiary_id,
            proposal.period,
            proposal.currency,
            proposal.functional_currency,
            proposal.exchange_rate,
            proposal.journal_date,
            new_hash,
            prepared_by,
            sum((line.debit for line in proposal.lines), Decimal(0)),
            sum((line.credit for line in proposal.lines), Decimal(0)),
            len(proposal.lines),
            proposal.document_count,
        ),
    )
    _insert_lines(connection, batch_id, proposal)
    append_log(
        connection,
        batch_id=batch_id,
        state="proposed",
        actor=prepared_by,
        message=f"Proposed from {proposal.proposal_id} with content hash {new_hash}",
        correlation_id=_correlation_id(proposal),
    )
    logger.info("Created batch %s for proposal %s", batch_id, proposal.proposal_id)


def _revise_batch(
    connection: psycopg.Connection,
    batch_id: str,
    proposal: Proposal,
    old_hash: str,
    new_hash: str,
    old_state: str,
) -> None:
    connection.execute("delete from posting.batch_lines where batch_id = %s", (batch_id,))
    connection.execute(
        """
        update posting.batches
        set exchange_rate = %s, journal_date = %s, functional_currency = %s,
            content_hash = %s, total_debit = %s, total_credit = %s, line_count = %s,
            document_count = %s, idempotency_key = null
        where batch_id = %s
        """,
        (
            proposal.exchange_rate,
            proposal.journal_date,
            proposal.functional_currency,
            new_hash,
            sum((line.debit for line in proposal.lines), Decimal(0)),
            sum((line.credit for line in proposal.lines), Decimal(0)),
            len(proposal.lines),
            proposal.document_count,
            batch_id,
        ),
    )
    _insert_lines(connection, batch_id, proposal)
    set_state(
        connection,
        batch_id=batch_id,
        state="proposed",
        actor=SYSTEM_ACTOR,
        message=(
            f"Content changed from {old_hash} to {new_hash} while {old_state}; "
            "the batch needs a new approval"
        ),
        correlation_id=_correlation_id(proposal),
    )
    logger.info("Revised batch %s: content hash %s replaces %s", batch_id, new_hash, old_hash)


def _insert_lines(connection: psycopg.Connection, batch_id: str, proposal: Proposal) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            """
            insert into posting.batch_lines (
                batch_id, line_number, line_type, account_number, product_family, tax_code,
                debit, credit, memo, source_documents, correlation_ids
            )
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    batch_id,
                    number,
                    line_type,
                    line.account,
                    line.class_ or None,
                    line.tax_code or None,
                    line.debit,
                    line.credit,
                    line.memo,
                    Jsonb(list(line.source_documents)),
                    Jsonb(list(line.correlation_ids)),
                )
                for number, (line, line_type) in enumerate(
                    zip(proposal.lines, proposal.line_types, strict=True), start=1
                )
            ],
        )


def _withdraw_vanished(
    connection: psycopg.Connection, proposal_ids: set[str], summary: SyncSummary
) -> None:
    rows = connection.execute(
        """
        select batch_id, proposal_id, state
        from posting.batches
        where state = any(%s)
        order by batch_id
        for update
        """,
        (list(WITHDRAWABLE_STATES),),
    ).fetchall()
    for batch_id, proposal_id, state in rows:
        if proposal_id in proposal_ids:
            continue
        set_state(
            connection,
            batch_id=batch_id,
            state="rejected",
            actor=SYSTEM_ACTOR,
            message=(
                f"Withdrawn while {state}: proposal {proposal_id} no longer exists because "
                "its exceptions were resolved"
            ),
        )
        summary.withdrawn.append(batch_id)
        logger.info("Withdrew batch %s: proposal %s is gone", batch_id, proposal_id)


def _correlation_id(proposal: Proposal) -> str:
    ids = {cid for line in proposal.lines for cid in line.correlation_ids}
    return ";".join(sorted(ids))


def load_batch(
    connection: psycopg.Connection, batch_id: str, *, for_update: bool = False
) -> Batch | None:
    """Read one batch with its lines, or return None when it does not exist."""
    lock = " for update" if for_update else ""
    with connection.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(
            f"select * from posting.batches where batch_id = %s{lock}", (batch_id,)
        ).fetchone()
        if row is None:
            return None
        line_rows = cursor.execute(
            "select * from posting.batch_lines where batch_id = %s order by line_number",
            (batch_id,),
        ).fetchall()

    lines = tuple(
        JournalLine(
            account=line["account_number"],
            debit=Decimal(line["debit"]),
            credit=Decimal(line["credit"]),
            memo=line["memo"] or "",
            class_=line["product_family"] or "",
            tax_code=line["tax_code"] or "",
            source_documents=tuple(line["source_documents"]),
            correlation_ids=tuple(line["correlation_ids"]),
        )
        for line in line_rows
    )
    return Batch(
        batch_id=row["batch_id"],
        proposal_id=row["proposal_id"],
        subsidiary_id=row["subsidiary_id"],
        period=row["period"],
        currency=row["currency"],
        functional_currency=row["functional_currency"],
        exchange_rate=Decimal(row["exchange_rate"]),
        journal_date=row["journal_date"],
        content_hash=row["content_hash"],
        state=row["state"],
        prepared_by=row["prepared_by"],
        requeue_count=row["requeue_count"],
        idempotency_key=row["idempotency_key"],
        erp_journal_id=row["erp_journal_id"],
        lines=lines,
    )

"""State changes of journal batches, each recorded in the append-only `posting.posting_log`."""

from __future__ import annotations

import psycopg

SYSTEM_ACTOR = "tieout"


def append_log(
    connection: psycopg.Connection,
    *,
    batch_id: str,
    state: str,
    actor: str,
    message: str,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
    attempt: int | None = None,
    erp_journal_id: str | None = None,
) -> int:
    """Insert one posting_log row in the caller's transaction and return its log_id."""
    row = connection.execute(
        """
        insert into posting.posting_log (
            batch_id, idempotency_key, correlation_id, state, actor, message, attempt,
            erp_journal_id
        )
        values (%s, %s, %s, %s, %s, %s, %s, %s)
        returning log_id
        """,
        (
            batch_id,
            idempotency_key,
            correlation_id,
            state,
            actor,
            message,
            attempt,
            erp_journal_id,
        ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_state(
    connection: psycopg.Connection,
    *,
    batch_id: str,
    state: str,
    actor: str,
    message: str,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
    attempt: int | None = None,
    erp_journal_id: str | None = None,
) -> None:
    """Change a batch's state and log the change, in the caller's transaction.

    The key and ERP journal id are stored on the batch too when given.
    """
    connection.execute(
        """
        update posting.batches
        set state = %s,
            idempotency_key = coalesce(%s, idempotency_key),
            erp_journal_id = coalesce(%s, erp_journal_id),
            updated_at = now()
        where batch_id = %s
        """,
        (state, idempotency_key, erp_journal_id, batch_id),
    )
    append_log(
        connection,
        batch_id=batch_id,
        state=state,
        actor=actor,
        message=message,
        idempotency_key=idempotency_key,
        correlation_id=correlation_id,
        attempt=attempt,
        erp_journal_id=erp_journal_id,
    )

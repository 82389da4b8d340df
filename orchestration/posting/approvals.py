"""Approve, reject and requeue journal batches.

Each function runs in its own transaction with the batch row locked, and logs the change.
The database itself rejects an approval by the batch's preparer or of an outdated content
hash (trigger `approvals_check_approver`), so any client writing the row gets the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from orchestration.posting.batches import load_batch
from orchestration.posting.posting_log import set_state


class ApprovalError(Exception):
    """A batch cannot be approved, rejected or requeued in its current state."""


@dataclass(frozen=True)
class Decision:
    """The outcome of an approval, rejection or requeue."""

    batch_id: str
    state: str
    content_hash: str


def approve_batch(connection: psycopg.Connection, batch_id: str, approved_by: str) -> Decision:
    """Approve a proposed batch in the name of `approved_by`.

    Raises ApprovalError when the batch does not exist, is not proposed, or when the
    database rejects the approver (the preparer cannot approve).
    """
    approver = approved_by.strip()
    if not approver:
        raise ApprovalError("Missing approver name: pass --by NAME.")

    with connection.transaction():
        batch = _locked_batch(connection, batch_id)
        if batch.state != "proposed":
            raise ApprovalError(
                f"Batch {batch_id} is {batch.state}, not proposed, so it cannot be approved."
            )
        try:
            with connection.transaction():
                connection.execute(
                    """
                    insert into posting.approvals (batch_id, approved_by, content_hash)
                    values (%s, %s, %s)
                    """,
                    (batch_id, approver, batch.content_hash),
                )
        except psycopg.errors.CheckViolation as error:
            raise ApprovalError(_database_message(error)) from error

        set_state(
            connection,
            batch_id=batch_id,
            state="approved",
            actor=approver,
            message=f"Approved content hash {batch.content_hash}",
            correlation_id=batch.correlation_id,
        )
    return Decision(batch_id, "approved", batch.content_hash)


def reject_batch(
    connection: psycopg.Connection, batch_id: str, rejected_by: str, reason: str
) -> Decision:
    """Reject a batch with a reason so it is never posted.

    A dead-lettered batch may already be in the ERP, because a request that timed out may
    have been committed there. Check the ERP for its idempotency key before rejecting it.
    """
    if not rejected_by.strip():
        raise ApprovalError("Missing name: pass --by NAME.")
    if not reason.strip():
        raise ApprovalError("Missing reason: pass --reason TEXT.")

    with connection.transaction():
        batch = _locked_batch(connection, batch_id)
        if batch.state not in ("proposed", "approved", "failed", "dead_lettered"):
            raise ApprovalError(
                f"Batch {batch_id} is {batch.state}, so it cannot be rejected. Only proposed, "
                "approved, failed and dead-lettered batches can."
            )
        set_state(
            connection,
            batch_id=batch_id,
            state="rejected",
            actor=rejected_by.strip(),
            message=f"Rejected: {reason.strip()}",
            correlation_id=batch.correlation_id,
        )
    return Decision(batch_id, "rejected", batch.content_hash)


def requeue_batch(connection: psycopg.Connection, batch_id: str, requested_by: str) -> Decision:
    """Send a failed or dead-lettered batch back to the posting queue.

    The approval of its content remains valid, so the batch becomes `approved` again and the
    sensor launches a new run for it (the run key includes the requeue count). The
    idempotency key stays the same, so a journal that did reach the ERP is not posted twice.
    """
    if not requested_by.strip():
        raise ApprovalError("Missing name: pass --by NAME.")

    with connection.transaction():
        batch = _locked_batch(connection, batch_id)
        if batch.state not in ("failed", "dead_lettered"):
            raise ApprovalError(
                f"Batch {batch_id} is {batch.state}; only failed and dead-lettered batches "
                "can be requeued."
            )
        approved = connection.execute(
            "select 1 from posting.approvals where batch_id = %s and content_hash = %s",
            (batch_id, batch.content_hash),
        ).fetchone()
        if approved is None:
            raise ApprovalError(
                f"Batch {batch_id} has no approval of its content hash {batch.content_hash}."
            )
        connection.execute(
            """
            update posting.batches set requeue_count = requeue_count + 1
            where batch_id = %s
            """,
            (batch_id,),
        )
        connection.execute(
            """
            update posting.dead_letters set resolved_at = now()
            where batch_id = %s and resolved_at is null
            """,
            (batch_id,),
        )
        set_state(
            connection,
            batch_id=batch_id,
            state="approved",
            actor=requested_by.strip(),
            message=f"Requeued after {batch.state}",
            correlation_id=batch.correlation_id,
        )
    return Decision(batch_id, "approved", batch.content_hash)


def _locked_batch(connection: psycopg.Connection, batch_id: str):
    batch = load_batch(connection, batch_id, for_update=True)
    if batch is None:
        raise ApprovalError(
            f"Batch {batch_id} not found. List batches with `tieout journals list`."
        )
    return batch


def _database_message(error: psycopg.Error) -> str:
    diagnostic = error.diag
    message = diagnostic.message_primary or str(error)
    if diagnostic.message_hint:
        message += f". {diagnostic.message_hint}"
    return message

"""Post an approved batch to the ERP exactly once.

The order of steps is what makes retries, restarts and concurrent runs safe:

1. Take a session advisory lock on the batch, so runs of one batch queue one behind the
   other. PostgreSQL releases it when the holder's connection ends, even after SIGKILL.
2. Check the batch is approved (or `posting`, left by a run that died) and that its lines
   still hash to the approved content hash.
3. Derive the idempotency key from the batch id and content hash, and commit the `posting`
   state with the key to `posting.posting_log` before anything is sent.
4. Send. A retry, and a later run after a crash, send the same key, so the ERP returns the
   journal it already has instead of creating a second one.
5. Record `posted`, the ERP's journal id and one `posted_documents` row per billing
   document in one transaction; or `failed` for a rejection, or `dead_lettered` once the
   retries for transient errors run out.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import psycopg

from orchestration.posting.adapters.base import (
    ErpAdapter,
    ErpResult,
    PermanentErpError,
    TransientErpError,
)
from orchestration.posting.batches import Batch, load_batch
from orchestration.posting.journal import idempotency_key
from orchestration.posting.posting_log import SYSTEM_ACTOR, append_log, set_state

logger = logging.getLogger("tieout.posting")

POSTABLE_STATES = ("approved", "posting")
_LOCK_NAMESPACE = "tieout.posting.batch:"


class LogLike(Protocol):
    def info(self, msg: str, *args: object) -> None: ...
    def warning(self, msg: str, *args: object) -> None: ...
    def error(self, msg: str, *args: object) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for transient ERP errors: base, 2 x base, 4 x base ... up to a cap."""

    max_attempts: int = 5
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        """Return the seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (attempt - 1))


@dataclass(frozen=True)
class PostingOutcome:
    """Outcome of one `post_batch` call."""

    batch_id: str
    state: str
    idempotency_key: str | None = None
    erp_journal_id: str | None = None
    attempts: int = 0
    message: str = ""
    # False when the batch was already posted or not postable, so nothing was sent.
    sent: bool = False


class BatchNotFound(LookupError):
    """No batch has the requested id."""


def lock_key(batch_id: str) -> str:
    """Return the text whose hash is the batch's advisory lock id."""
    return _LOCK_NAMESPACE + batch_id


@contextlib.contextmanager
def batch_lock(connection: psycopg.Connection, batch_id: str) -> Iterator[None]:
    """Hold the batch's session advisory lock, waiting for another holder to finish."""
    connection.execute("select pg_advisory_lock(hashtextextended(%s, 0))", (lock_key(batch_id),))
    try:
        yield
    finally:
        if not connection.closed:
            connection.execute(
                "select pg_advisory_unlock(hashtextextended(%s, 0))", (lock_key(batch_id),)
            )


def batch_lock_is_free(connection: psycopg.Connection, batch_id: str) -> bool:
    """Return True when no session holds the batch's lock (the check takes and drops it)."""
    row = connection.execute(
        "select pg_try_advisory_lock(hashtextextended(%s, 0))", (lock_key(batch_id),)
    ).fetchone()
    if row is None or not row[0]:
        return False
    connection.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (lock_key(batch_id),))
    return True


def post_batch(
    connection: psycopg.Connection,
    adapter: ErpAdapter,
    batch_id: str,
    *,
    actor: str = SYSTEM_ACTOR,
    retry: RetryPolicy | None = None,
    log: LogLike | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PostingOutcome:
    """Post one batch and return the outcome. `connection` must be in autocommit mode.

    Raises BatchNotFound for an unknown batch id. ERP errors are recorded, not raised.
    """
    if not connection.autocommit:
        raise ValueError("post_batch needs an autocommit connection; it commits each step.")
    retry = retry or RetryPolicy()
    log = log or logger

    with batch_lock(connection, batch_id):
        prepared = _start_posting(connection, batch_id, actor, log)
        if isinstance(prepared, PostingOutcome):
            return prepared
        batch, key, first_attempt = prepared
        return _send(connection, adapter, batch, key, first_attempt, actor, retry, log, sleep)


def _start_posting(
    connection: psycopg.Connection, batch_id: str, actor: str, log: LogLike
) -> tuple[Batch, str, int] | PostingOutcome:
    with connection.transaction():
        batch = load_batch(connection, batch_id, for_update=True)
        if batch is None:
            raise BatchNotFound(f"Batch {batch_id} not found.")

        if batch.state == "posted":
            log.info("Batch %s is already posted as ERP journal %s", batch_id, batch.erp_journal_id)
            return PostingOutcome(
                batch_id,
                "posted",
                batch.idempotency_key,
                batch.erp_journal_id,
                message="already posted",
            )
        if batch.state not in POSTABLE_STATES:
            log.info("Batch %s is %s, not approved; nothing to post", batch_id, batch.state)
            return PostingOutcome(batch_id, batch.state, message=f"batch is {batch.state}")

        key = idempotency_key(batch.batch_id, batch.content_hash)
        problem = _integrity_problem(connection, batch)
        if problem is not None:
            set_state(
                connection,
                batch_id=batch_id,
                state="failed",
                actor=actor,
                message=problem,
                idempotency_key=key,
                correlation_id=batch.correlation_id,
            )
            log.error("Batch %s failed before sending: %s", batch_id, problem)
            return PostingOutcome(batch_id, "failed", key, message=problem)

        row = connection.execute(
            """
            select coalesce(max(attempt), 0) from posting.posting_log
            where batch_id = %s and idempotency_key = %s
            """,
            (batch_id, key),
        ).fetchone()
        first_attempt = int(row[0]) + 1 if row else 1

        if batch.state == "approved":
            message = f"Sending to the ERP with idempotency key {key}"
        else:
            message = f"Resuming an interrupted posting with idempotency key {key}"
        set_state(
            connection,
            batch_id=batch_id,
            state="posting",
            actor=actor,
            message=message,
            idempotency_key=key,
            correlation_id=batch.correlation_id,
        )
    log.info("Batch %s: %s", batch_id, message)
    return batch, key, first_attempt


def _integrity_problem(connection: psycopg.Connection, batch: Batch) -> str | None:
    if batch.computed_content_hash != batch.content_hash:
        return (
            f"Lines of batch {batch.batch_id} hash to {batch.computed_content_hash}, not to "
            f"the approved content hash {batch.content_hash}; the batch was changed outside "
            "tieout."
        )
    approval = connection.execute(
        """
        select approved_by from posting.approvals
        where batch_id = %s and content_hash = %s
        order by approved_at desc limit 1
        """,
        (batch.batch_id, batch.content_hash),
    ).fetchone()
    if approval is None:
        return f"Batch {batch.batch_id} has no approval of content hash {batch.content_hash}."
    return None


def _send(
    connection: psycopg.Connection,
    adapter: ErpAdapter,
    batch: Batch,
    key: str,
    first_attempt: int,
    actor: str,
    retry: RetryPolicy,
    log: LogLike,
    sleep: Callable[[float], None],
) -> PostingOutcome:
    journal = batch.to_journal(key)
    for run_attempt in range(1, retry.max_attempts + 1):
        attempt = first_attempt + run_attempt - 1
        try:
            result = adapter.post(journal)
        except PermanentErpError as error:
            with connection.transaction():
                set_state(
                    connection,
                    batch_id=batch.batch_id,
                    state="failed",
                    actor=actor,
                    message=error.message,
                    idempotency_key=key,
                    correlation_id=batch.correlation_id,
                    attempt=attempt,
                )
            log.error("Batch %s rejected by the ERP: %s", batch.batch_id, error.message)
            return PostingOutcome(
                batch.batch_id, "failed", key, None, run_attempt, error.message, True
            )
        except TransientErpError as error:
            if run_attempt == retry.max_attempts:
                _dead_letter(connection, batch, key, attempt, run_attempt, error, actor)
                log.error(
                    "Batch %s dead-lettered after %d attempts: %s",
                    batch.batch_id,
                    run_attempt,
                    error.message,
                )
                return PostingOutcome(
                    batch.batch_id, "dead_lettered", key, None, run_attempt, error.message, True
                )
            delay = retry.delay(run_attempt)
            with connection.transaction():
                append_log(
                    connection,
                    batch_id=batch.batch_id,
                    state="posting",
                    actor=actor,
                    message=f"Attempt {attempt} failed: {error.message}; retrying in {delay:g} s",
                    idempotency_key=key,
                    correlation_id=batch.correlation_id,
                    attempt=attempt,
                )
            log.warning(
                "Batch %s attempt %d failed (%s); retrying in %g s",
                batch.batch_id,
                attempt,
                error.message,
                delay,
            )
            sleep(delay)
            continue

        _record_posted(connection, batch, key, attempt, result, actor)
        log.info(
            "Batch %s posted as ERP journal %s%s",
            batch.batch_id,
            result.erp_journal_id,
            " (the ERP already had it)" if result.replayed else "",
        )
        return PostingOutcome(
            batch.batch_id,
            "posted",
            key,
            result.erp_journal_id,
            run_attempt,
            "replayed" if result.replayed else "created",
            True,
        )
    raise AssertionError("unreachable: the loop returns on its last attempt")


def _record_posted(
    connection: psycopg.Connection,
    batch: Batch,
    key: str,
    attempt: int,
    result: ErpResult,
    actor: str,
) -> None:
    by_document: dict[str, str] = {}
    for line in batch.lines:
        correlations = {document_of(cid): cid for cid in line.correlation_ids}
        for document in line.source_documents:
            by_document.setdefault(document, correlations.get(document, ""))

    message = f"Posted as ERP journal {result.erp_journal_id}"
    if result.replayed:
        message += "; the ERP returned the journal it already had under this key"
    with connection.transaction():
        with connection.cursor() as cursor:
            cursor.executemany(
                """
                insert into posting.posted_documents (
                    idempotency_key, document_id, correlation_id, batch_id, erp_journal_id
                )
                values (%s, %s, %s, %s, %s)
                on conflict (idempotency_key, document_id) do nothing
                """,
                [
                    (key, document, correlation or None, batch.batch_id, result.erp_journal_id)
                    for document, correlation in sorted(by_document.items())
                ],
            )
        set_state(
            connection,
            batch_id=batch.batch_id,
            state="posted",
            actor=actor,
            message=message,
            idempotency_key=key,
            correlation_id=batch.correlation_id,
            attempt=attempt,
            erp_journal_id=result.erp_journal_id,
        )


def document_of(correlation_id: str) -> str:
    """Return the billing document id in a correlation id `sf:<contract>|stripe:<document>`."""
    for part in correlation_id.split("|"):
        if part.startswith("stripe:"):
            return part.removeprefix("stripe:")
    return ""


def _dead_letter(
    connection: psycopg.Connection,
    batch: Batch,
    key: str,
    attempt: int,
    run_attempts: int,
    error: TransientErpError,
    actor: str,
) -> None:
    with connection.transaction():
        connection.execute(
            """
            insert into posting.dead_letters (batch_id, idempotency_key, error, attempts)
            values (%s, %s, %s, %s)
            """,
            (batch.batch_id, key, error.message, run_attempts),
        )
        set_state(
            connection,
            batch_id=batch.batch_id,
            state="dead_lettered",
            actor=actor,
            message=f"Gave up after {run_attempts} attempts: {error.message}",
            idempotency_key=key,
            correlation_id=batch.correlation_id,
            attempt=attempt,
        )

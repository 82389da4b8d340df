"""Batches waiting to be posted, and the run key that launches each of them once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from orchestration.posting.adapters.base import ErpAdapter
from orchestration.posting.poster import (
    LogLike,
    PostingOutcome,
    RetryPolicy,
    batch_lock_is_free,
    post_batch,
)
from orchestration.posting.posting_log import SYSTEM_ACTOR


@dataclass(frozen=True)
class PostableBatch:
    """A batch that a posting run should pick up."""

    batch_id: str
    content_hash: str
    state: str
    run_key: str


def run_key(batch_id: str, content_hash: str, requeue_count: int = 0) -> str:
    """Return the Dagster run key for posting one batch content.

    The sensor yields the same key for a batch on every tick until the batch changes, and
    Dagster launches at most one run per key, so no batch is launched twice. A requeue
    (`tieout journals retry`) adds its count, which makes a new key.
    """
    key = f"{batch_id}:{content_hash}"
    return f"{key}:requeue-{requeue_count}" if requeue_count else key


def find_postable_batches(connection: psycopg.Connection) -> list[PostableBatch]:
    """List approved batches, and `posting` batches whose posting run died.

    A `posting` batch whose advisory lock is free has no live run: the run was killed
    between writing `posting` and recording the result. Its run key names the last log
    row, so each interruption gets one resume run. `connection` must be in autocommit
    mode, because the lock check must not hold the lock in a transaction.
    """
    rows = connection.execute(
        """
        select b.batch_id, b.content_hash, b.state, b.requeue_count,
               (select max(l.log_id) from posting.posting_log as l
                where l.batch_id = b.batch_id) as last_log_id
        from posting.batches as b
        where b.state in ('approved', 'posting')
          and exists (
              select 1 from posting.approvals as a
              where a.batch_id = b.batch_id and a.content_hash = b.content_hash
          )
        order by b.created_at, b.batch_id
        """
    ).fetchall()

    postable = []
    for batch_id, content_hash, state, requeue_count, last_log_id in rows:
        key = run_key(batch_id, content_hash, requeue_count)
        if state == "posting":
            if not batch_lock_is_free(connection, batch_id):
                continue
            key = f"{key}:resume-{last_log_id}"
        postable.append(PostableBatch(batch_id, content_hash, state, key))
    return postable


def post_ready_batches(
    connection: psycopg.Connection,
    adapter: ErpAdapter,
    *,
    actor: str = SYSTEM_ACTOR,
    retry: RetryPolicy | None = None,
    log: LogLike | None = None,
    sleep: Callable[[float], None] | None = None,
) -> list[PostingOutcome]:
    """Post every postable batch one after the other, outside Dagster (the CLI's `post`)."""
    outcomes = []
    for batch in find_postable_batches(connection):
        extra = {"sleep": sleep} if sleep is not None else {}
        outcomes.append(
            post_batch(
                connection, adapter, batch.batch_id, actor=actor, retry=retry, log=log, **extra
            )
        )
    return outcomes

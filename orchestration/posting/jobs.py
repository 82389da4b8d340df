"""The posting job: one run posts one approved batch to the ERP."""

import dagster as dg

from orchestration.posting.poster import BatchNotFound, post_batch
from orchestration.posting.resources import ErpResource
from orchestration.resources import WarehouseResource

POST_OP_NAME = "post_journal_batch"
BATCH_TAG = "tieout/batch_id"
# Dagster concurrency pool of the posting op. Unlimited until an operator sets a limit,
# for example `dagster instance concurrency set erp_posting 2` for a rate-limited ERP.
POSTING_POOL = "erp_posting"


class PostBatchConfig(dg.Config):
    """The batch a run posts."""

    batch_id: str


@dg.op(name=POST_OP_NAME, pool=POSTING_POOL)
def post_journal_batch(
    context: dg.OpExecutionContext,
    config: PostBatchConfig,
    warehouse: WarehouseResource,
    erp: ErpResource,
) -> None:
    """Post the batch; fail the run when the ERP rejected it or it was dead-lettered."""
    context.log.info("Posting batch %s", config.batch_id)
    adapter = erp.build_adapter()
    try:
        with warehouse.connect() as connection:
            connection.autocommit = True
            outcome = post_batch(
                connection,
                adapter,
                config.batch_id,
                retry=erp.retry_policy(),
                log=context.log,
            )
    except BatchNotFound as error:
        raise dg.Failure(description=str(error)) from error
    finally:
        adapter.close()

    metadata = {
        "batch_id": outcome.batch_id,
        "state": outcome.state,
        "idempotency_key": outcome.idempotency_key or "",
        "erp_journal_id": outcome.erp_journal_id or "",
        "attempts": outcome.attempts,
    }
    context.log.info("Batch %s ended %s: %s", outcome.batch_id, outcome.state, outcome.message)
    if outcome.state in ("failed", "dead_lettered"):
        raise dg.Failure(
            description=f"Batch {outcome.batch_id} {outcome.state}: {outcome.message}",
            metadata=metadata,
        )


@dg.job(
    name="post_journals_job",
    description="Post one approved journal batch to the ERP (config: the batch id).",
    tags={"tieout/area": "posting"},
)
def post_journals_job() -> None:
    post_journal_batch()

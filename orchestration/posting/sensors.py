"""The sensor that launches one posting run per approved batch."""

import dagster as dg
import psycopg

from orchestration.posting.dispatch import find_postable_batches
from orchestration.posting.jobs import BATCH_TAG, POST_OP_NAME, PostBatchConfig, post_journals_job
from orchestration.resources import WarehouseResource

SENSOR_INTERVAL_SECONDS = 30


@dg.sensor(
    name="approved_batches_sensor",
    job=post_journals_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    description=(
        "Launches post_journals_job for each approved batch, and once more for a batch whose "
        "posting run died. The run key is the batch id and content hash, so a batch is "
        "launched once per approved content."
    ),
)
def approved_batches_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    try:
        with warehouse.connect() as connection:
            connection.autocommit = True
            batches = find_postable_batches(connection)
    except psycopg.errors.UndefinedTable:
        yield dg.SkipReason("The posting tables do not exist yet; materialize journal_batches.")
        return

    if not batches:
        yield dg.SkipReason("No approved batch is waiting to be posted.")
        return

    for batch in batches:
        context.log.info("Requesting a posting run for batch %s (%s)", batch.batch_id, batch.state)
        yield dg.RunRequest(
            run_key=batch.run_key,
            run_config=dg.RunConfig(ops={POST_OP_NAME: PostBatchConfig(batch_id=batch.batch_id)}),
            tags={BATCH_TAG: batch.batch_id},
        )

"""The sensor that launches one posting run per approved batch."""

import dagster as dg
import psycopg

from orchestration.posting.dispatch import find_postable_batches
from orchestration.posting.jobs import BATCH_TAG, POST_OP_NAME, PostBatchConfig, post_journals_job
from orchestration.quality.gates import MART_GATES
from orchestration.quality.results import latest_gate_status
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
            closed_gates = [
                gate.asset_key.to_user_string()
                for gate in MART_GATES
                if not latest_gate_status(connection, gate.asset_key)
            ]
    except psycopg.errors.UndefinedTable:
        yield dg.SkipReason("The posting tables do not exist yet; materialize journal_batches.")
        return

    if not batches:
        yield dg.SkipReason("No approved batch is waiting to be posted.")
        return

    # Journals are built from the marts, so nothing posts while a mart gate is failing
    # or has not validated the latest build.
    if closed_gates:
        context.log.warning(
            "Not posting %d approved batches: the quality gates of %s did not pass",
            len(batches),
            ", ".join(closed_gates),
        )
        yield dg.SkipReason(f"Quality gates not passed: {', '.join(closed_gates)}.")
        return

    for batch in batches:
        context.log.info("Requesting a posting run for batch %s (%s)", batch.batch_id, batch.state)
        yield dg.RunRequest(
            run_key=batch.run_key,
            run_config=dg.RunConfig(ops={POST_OP_NAME: PostBatchConfig(batch_id=batch.batch_id)}),
            tags={BATCH_TAG: batch.batch_id},
        )

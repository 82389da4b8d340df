"""The approval sensor: one run request per approved batch, never a batch twice."""

from __future__ import annotations

import dagster as dg
import pytest
from posting_support import (
    Document,
    build_batches,
    connect,
    drop_database,
    evaluate_sensor,
    fresh_database,
)

from orchestration.posting.approvals import approve_batch
from orchestration.posting.jobs import POST_OP_NAME
from orchestration.posting.schema import ensure_posting_tables

pytestmark = pytest.mark.integration

DOCUMENTS = [
    Document("in_s1", 1, "2026-02", "USD", (("10.00", "Subscription", "4000", "US_SAAS"),)),
    Document("in_s2", 1, "2026-03", "USD", (("20.00", "Subscription", "4000", "US_SAAS"),)),
    Document("in_s3", 1, "2026-04", "USD", (("30.00", "Subscription", "4000", "US_SAAS"),)),
]


@pytest.fixture
def posting_db(warehouse):
    info = fresh_database(warehouse)
    yield info
    drop_database(info)


def _evaluate(info) -> list:
    return evaluate_sensor(info)


def _requests(info) -> list[dg.RunRequest]:
    return [item for item in _evaluate(info) if isinstance(item, dg.RunRequest)]


def test_sensor_requests_each_approved_batch_once(posting_db, tmp_path):
    batch_ids = build_batches(posting_db, tmp_path, DOCUMENTS)
    with connect(posting_db) as connection:
        for batch_id in batch_ids[:2]:
            approve_batch(connection, batch_id, "alice")

    first = _requests(posting_db)
    second = _requests(posting_db)

    assert sorted(request.tags["tieout/batch_id"] for request in first) == batch_ids[:2]
    assert len({request.run_key for request in first}) == len(first)
    assert [request.run_key for request in first] == [request.run_key for request in second]
    for request in first:
        batch_id = request.tags["tieout/batch_id"]
        assert request.run_key.startswith(batch_id + ":")
        assert request.run_config["ops"][POST_OP_NAME]["config"]["batch_id"] == batch_id


def test_sensor_skips_posted_and_running_batches(posting_db, tmp_path):
    batch_ids = build_batches(posting_db, tmp_path, DOCUMENTS)
    with connect(posting_db) as connection:
        for batch_id in batch_ids:
            approve_batch(connection, batch_id, "alice")
        connection.execute(
            "update posting.batches set state = 'posted' where batch_id = %s", (batch_ids[0],)
        )
        connection.execute(
            "update posting.batches set state = 'posting' where batch_id = %s", (batch_ids[1],)
        )
        # A live posting run holds the batch's advisory lock.
        connection.execute(
            "select pg_advisory_lock(hashtextextended(%s, 0))",
            ("tieout.posting.batch:" + batch_ids[1],),
        )

        requested = [request.tags["tieout/batch_id"] for request in _requests(posting_db)]

    assert requested == [batch_ids[2]]


def test_sensor_deduplicates_launched_runs(posting_db, tmp_path):
    batch_ids = build_batches(posting_db, tmp_path, DOCUMENTS[:1])
    with connect(posting_db) as connection:
        approve_batch(connection, batch_ids[0], "alice")

    with dg.instance_for_test() as instance:
        launched = []
        for _ in range(3):
            for request in evaluate_sensor(posting_db, instance):
                if isinstance(request, dg.RunRequest) and not instance.get_runs(
                    filters=dg.RunsFilter(tags={"dagster/run_key": request.run_key})
                ):
                    instance.create_run_for_job(
                        job_def=_job(),
                        run_config=request.run_config,
                        tags={**request.tags, "dagster/run_key": request.run_key},
                    )
                    launched.append(request.run_key)

    assert len(launched) == 1


def test_sensor_skips_without_tables(posting_db):
    results = _evaluate(posting_db)

    assert len(results) == 1
    assert isinstance(results[0], dg.SkipReason)


def test_sensor_skips_when_nothing_approved(posting_db):
    with connect(posting_db) as connection:
        ensure_posting_tables(connection)

    results = _evaluate(posting_db)

    assert [type(result) for result in results] == [dg.SkipReason]


def _job():
    from orchestration.posting.jobs import post_journals_job

    return post_journals_job


def test_sensor_holds_batches_when_mart_gate_failed(posting_db, tmp_path):
    batch_ids = build_batches(posting_db, tmp_path, DOCUMENTS)
    with connect(posting_db) as connection:
        approve_batch(connection, batch_ids[0], "alice")

    results = evaluate_sensor(posting_db, gates_passed=False)

    assert not [item for item in results if isinstance(item, dg.RunRequest)]
    skips = [item for item in results if isinstance(item, dg.SkipReason)]
    assert len(skips) == 1
    assert "Quality gates not passed" in skips[0].skip_message
    assert "finance/reconciliation_exceptions" in skips[0].skip_message

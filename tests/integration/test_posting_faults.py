"""Posting under failure: a flaky ERP, killed posting processes and concurrent runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from posting_support import (
    REPO_ROOT,
    Document,
    approve_all,
    batch_states,
    build_batches,
    connect,
    drop_database,
    evaluate_sensor,
    fresh_database,
    many_documents,
    running_sandbox,
    sandbox_journal_keys,
    write_netsuite_snapshot,
)

from orchestration.posting.adapters import RestErpAdapter
from orchestration.posting.approvals import requeue_batch
from orchestration.posting.poster import RetryPolicy, post_batch

pytestmark = pytest.mark.integration

# Client timeout well below the sandbox's hang, so every injected timeout is a real one.
CLIENT_TIMEOUT_SECONDS = 0.5
HANG_SECONDS = 2.0
KILL_WAIT_SECONDS = 60
FAST_RETRY = RetryPolicy(max_attempts=10, base_delay_seconds=0.05, max_delay_seconds=0.4)


@pytest.fixture
def posting_db(warehouse):
    info = fresh_database(warehouse)
    yield info
    drop_database(info)


def _start_poster(info, sandbox_url: str, log_path: Path) -> subprocess.Popen:
    """Run `tieout journals post` for every approved batch in a separate process."""
    environ = {**os.environ, "TIEOUT_DATABASE_URL": info.libpq_url()}
    with log_path.open("a") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from orchestration.cli import main; main()",
                "journals",
                "post",
                "--erp-url",
                sandbox_url,
                "--timeout",
                str(CLIENT_TIMEOUT_SECONDS),
                "--max-attempts",
                "12",
                "--base-delay",
                "0.05",
                "--max-delay",
                "0.4",
            ],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )


def _wait_for_batch_in_flight(info, posted_before: int) -> None:
    """Wait until a batch is in `posting` after at least one more batch was posted."""
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while time.monotonic() < deadline:
        states = list(batch_states(info).values())
        if states.count("posted") > posted_before and "posting" in states:
            return
        time.sleep(0.02)
    raise AssertionError(f"No batch in flight within {KILL_WAIT_SECONDS} s: {batch_states(info)}")


def test_killed_poster_resumes_exactly_once(posting_db, tmp_path):
    batch_ids = build_batches(posting_db, tmp_path, many_documents())
    assert len(batch_ids) == 8
    approve_all(posting_db)
    log_path = tmp_path / "poster.log"

    seed = write_netsuite_snapshot(tmp_path / "snapshots")
    with running_sandbox(posting_db, seed, tmp_path) as sandbox:
        # One request in five fails: 500s and responses that hang past the client's timeout,
        # half of them after the journal was committed.
        sandbox.set_faults(
            error_rate=0.1, timeout_rate=0.1, hang_seconds=HANG_SECONDS, latency_ms=50, seed=11
        )

        for _ in range(2):
            posted_before = list(batch_states(posting_db).values()).count("posted")
            poster = _start_poster(posting_db, sandbox.url, log_path)
            try:
                _wait_for_batch_in_flight(posting_db, posted_before)
            finally:
                poster.send_signal(signal.SIGKILL)
                poster.wait(timeout=10)
            assert poster.returncode == -signal.SIGKILL

        # The killed run left a batch in `posting` with no live run: the sensor resumes it.
        states = batch_states(posting_db)
        assert "posting" in states.values()
        run_keys = [
            request.run_key
            for request in evaluate_sensor(posting_db)
            if isinstance(request, dg.RunRequest)
        ]
        stale = [batch for batch, state in states.items() if state == "posting"]
        assert all(
            any(key.startswith(batch + ":") and ":resume-" in key for key in run_keys)
            for batch in stale
        )

        poster = _start_poster(posting_db, sandbox.url, log_path)
        assert poster.wait(timeout=300) == 0, log_path.read_text()[-3000:]
        faults = sandbox.faults()

    assert batch_states(posting_db) == dict.fromkeys(batch_ids, "posted")
    with connect(posting_db) as connection:
        keys = [
            row[0]
            for row in connection.execute(
                "select idempotency_key from posting.batches order by idempotency_key"
            ).fetchall()
        ]
        posted_documents = connection.execute(
            "select document_id, count(*) from posting.posted_documents group by document_id"
        ).fetchall()
        resumed = connection.execute(
            "select count(*) from posting.posting_log where message like 'Resuming%'"
        ).fetchone()[0]

    assert sandbox_journal_keys(posting_db) == keys
    assert len(set(keys)) == len(batch_ids)
    assert sorted(doc for doc, _ in posted_documents) == sorted(
        document.document_id for document in many_documents()
    )
    assert all(count == 1 for _, count in posted_documents)
    assert resumed >= 2
    assert faults["counters"]["errors"] + faults["counters"]["timeouts"] > 0


def test_concurrent_runs_post_one_journal(posting_db, tmp_path):
    documents = [
        Document("in_c1", 1, "2026-03", "USD", (("75.00", "Subscription", "4000", "US_SAAS"),))
    ]
    (batch_id,) = build_batches(posting_db, tmp_path, documents)
    approve_all(posting_db)

    seed = write_netsuite_snapshot(tmp_path / "snapshots")
    with running_sandbox(posting_db, seed, tmp_path) as sandbox:
        sandbox.set_faults(latency_ms=300)
        outcomes = []
        start = threading.Barrier(2)

        def run() -> None:
            adapter = RestErpAdapter(sandbox.url, timeout_seconds=5)
            with connect(posting_db) as connection:
                start.wait()
                outcomes.append(post_batch(connection, adapter, batch_id, retry=FAST_RETRY))
            adapter.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        journals = sandbox.journals()

    assert len(outcomes) == 2
    assert [outcome.state for outcome in outcomes] == ["posted", "posted"]
    assert sorted(outcome.sent for outcome in outcomes) == [False, True]
    assert len(journals) == 1
    assert {outcome.erp_journal_id for outcome in outcomes} == {journals[0]["id"]}


def test_closed_period_fails_with_erp_message(posting_db, tmp_path):
    documents = [
        Document("in_jan", 1, "2026-01", "USD", (("80.00", "Subscription", "4000", "US_SAAS"),))
    ]
    (batch_id,) = build_batches(posting_db, tmp_path, documents)
    approve_all(posting_db)

    seed = write_netsuite_snapshot(tmp_path / "snapshots")
    with running_sandbox(posting_db, seed, tmp_path) as sandbox:
        adapter = RestErpAdapter(sandbox.url)
        with connect(posting_db) as connection:
            outcome = post_batch(connection, adapter, batch_id, retry=FAST_RETRY)
            log = connection.execute(
                """
                select state, actor, message, attempt, idempotency_key, correlation_id
                from posting.posting_log where batch_id = %s order by log_id desc limit 1
                """,
                (batch_id,),
            ).fetchone()
            posted = connection.execute("select count(*) from posting.posted_documents").fetchone()
        adapter.close()
        journals = sandbox.journals()

    assert outcome.state == "failed"
    assert outcome.attempts == 1
    assert log[0] == "failed"
    assert log[1] == "tieout"
    assert "Accounting period Jan 2026 is closed." in log[2]
    assert "422" in log[2]
    assert log[3] == 1
    assert log[4] == outcome.idempotency_key
    assert log[5] == "sf:|stripe:in_jan"
    assert posted == (0,)
    assert journals == []


def test_transient_errors_dead_letter_then_retry(posting_db, tmp_path):
    documents = [
        Document("in_dl", 1, "2026-03", "USD", (("60.00", "Subscription", "4000", "US_SAAS"),))
    ]
    (batch_id,) = build_batches(posting_db, tmp_path, documents)
    approve_all(posting_db)
    policy = RetryPolicy(max_attempts=3, base_delay_seconds=0.01, max_delay_seconds=0.02)

    seed = write_netsuite_snapshot(tmp_path / "snapshots")
    with running_sandbox(posting_db, seed, tmp_path) as sandbox:
        sandbox.set_faults(error_rate=1.0, seed=1)
        adapter = RestErpAdapter(sandbox.url, timeout_seconds=5)
        with connect(posting_db) as connection:
            failed = post_batch(connection, adapter, batch_id, retry=policy)
            dead_letter = connection.execute(
                "select idempotency_key, error, attempts, resolved_at from posting.dead_letters"
            ).fetchone()
            retries = connection.execute(
                """
                select count(*) from posting.posting_log
                where batch_id = %s and state = 'posting' and attempt is not null
                """,
                (batch_id,),
            ).fetchone()[0]

            sandbox.set_faults(error_rate=0.0)
            requeue_batch(connection, batch_id, "bob")
            posted = post_batch(connection, adapter, batch_id, retry=policy)
            resolved = connection.execute(
                "select resolved_at is not null from posting.dead_letters"
            ).fetchone()[0]
        adapter.close()
        journals = sandbox.journals()

    assert failed.state == "dead_lettered"
    assert failed.attempts == 3
    assert dead_letter[0] == failed.idempotency_key
    assert "500" in dead_letter[1]
    assert dead_letter[2] == 3
    assert dead_letter[3] is None
    assert retries == 2
    assert posted.state == "posted"
    assert posted.idempotency_key == failed.idempotency_key
    assert resolved
    assert len(journals) == 1

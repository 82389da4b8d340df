"""Rules the posting tables enforce in PostgreSQL itself, whatever client writes to them."""

from __future__ import annotations

import threading

import dagster as dg
import psycopg
import pytest
from posting_support import (
    Document,
    approve_all,
    batch_states,
    build_batches,
    connect,
    drop_database,
    evaluate_sensor,
    fresh_database,
)
from typer.testing import CliRunner

from orchestration.cli import journals
from orchestration.posting.adapters import NetSuiteCsvAdapter
from orchestration.posting.approvals import ApprovalError, approve_batch, reject_batch
from orchestration.posting.batches import read_proposals, sync_batches
from orchestration.posting.checks import batches_balance
from orchestration.posting.dispatch import post_ready_batches
from orchestration.posting.schema import ensure_posting_tables
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.integration

DOCUMENTS = [
    Document("in_d1", 1, "2026-03", "USD", (("90.00", "Subscription", "4000", "US_SAAS"),)),
    Document("in_d2", 3, "2026-03", "EUR", (("40.00", "Services", "4200", "DE_STANDARD"),)),
    Document("in_d3", 1, "2026-04", "USD", (("15.00", "Usage", "4100", "US_SAAS"),)),
]


@pytest.fixture
def posting_db(warehouse):
    info = fresh_database(warehouse)
    yield info
    drop_database(info)


@pytest.fixture
def batches(posting_db, tmp_path):
    return build_batches(posting_db, tmp_path, DOCUMENTS)


def _current_hash(connection, batch_id: str) -> str:
    row = connection.execute(
        "select content_hash from posting.batches where batch_id = %s", (batch_id,)
    ).fetchone()
    return row[0]


def test_preparer_cannot_approve_in_sql(posting_db, batches):
    batch_id = batches[0]
    with connect(posting_db) as connection:
        content_hash = _current_hash(connection, batch_id)
        for approver in ("tieout", " TieOut "):
            with pytest.raises(psycopg.errors.CheckViolation, match="cannot approve"):
                connection.execute(
                    """
                    insert into posting.approvals (batch_id, approved_by, content_hash)
                    values (%s, %s, %s)
                    """,
                    (batch_id, approver, content_hash),
                )
        count = connection.execute("select count(*) from posting.approvals").fetchone()[0]

    assert count == 0


def test_preparer_cannot_approve_with_cli_function(posting_db, batches):
    with connect(posting_db) as connection, pytest.raises(ApprovalError, match="cannot approve"):
        approve_batch(connection, batches[0], "tieout")

    assert batch_states(posting_db)[batches[0]] == "proposed"


def test_outdated_content_hash_rejected(posting_db, batches):
    with (
        connect(posting_db) as connection,
        pytest.raises(psycopg.errors.CheckViolation, match="content hash"),
    ):
        connection.execute(
            """
            insert into posting.approvals (batch_id, approved_by, content_hash)
            values (%s, 'alice', 'not-the-current-hash')
            """,
            (batches[0],),
        )


def test_posting_log_rejects_update_and_delete(posting_db, batches):
    statements = [
        "update posting.posting_log set message = 'rewritten'",
        "delete from posting.posting_log",
        "truncate posting.posting_log",
    ]
    with connect(posting_db) as connection:
        before = connection.execute("select count(*) from posting.posting_log").fetchone()[0]
        for statement in statements:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                connection.execute(statement)
        after = connection.execute("select count(*) from posting.posting_log").fetchone()[0]

    assert before == len(batches)
    assert after == before


def test_batch_state_must_be_known(posting_db, batches):
    with connect(posting_db) as connection, pytest.raises(psycopg.errors.CheckViolation):
        connection.execute(
            "update posting.batches set state = 'lost' where batch_id = %s", (batches[0],)
        )


def test_ensure_tables_concurrently(posting_db):
    errors = []

    def ensure() -> None:
        try:
            with connect(posting_db) as connection:
                ensure_posting_tables(connection)
        except psycopg.Error as error:
            errors.append(error)

    threads = [threading.Thread(target=ensure) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with connect(posting_db) as connection:
        triggers = connection.execute(
            """
            select count(*) from pg_trigger
            where tgname like 'posting_log_%' or tgname like 'approvals_%'
            """
        ).fetchone()[0]
    assert triggers == 3


def test_changed_content_needs_new_approval(posting_db, batches):
    approve_all(posting_db, "alice")
    batch_id = "JP-1-2026-03-USD.1"
    with connect(posting_db) as connection:
        approved_hash = _current_hash(connection, batch_id)
        # The exception's amount changed in a later snapshot: the proposal is rebuilt.
        connection.execute(
            """
            update posting.journal_proposal_lines
            set debit = debit + 10 where proposal_id = 'JP-1-2026-03-USD' and debit > 0
            """
        )
        connection.execute(
            """
            update posting.journal_proposal_lines
            set credit = credit + 10 where proposal_id = 'JP-1-2026-03-USD' and credit > 0
            """
        )
        summary = sync_batches(connection, read_proposals(connection))
        new_hash = _current_hash(connection, batch_id)
        last_log = connection.execute(
            """
            select state, message from posting.posting_log
            where batch_id = %s order by log_id desc limit 1
            """,
            (batch_id,),
        ).fetchone()

    assert summary.revised == [batch_id]
    assert new_hash != approved_hash
    assert batch_states(posting_db)[batch_id] == "proposed"
    assert last_log[0] == "proposed"
    assert "needs a new approval" in last_log[1]

    requested = {
        request.tags["tieout/batch_id"]
        for request in evaluate_sensor(posting_db)
        if isinstance(request, dg.RunRequest)
    }
    assert batch_id not in requested
    assert requested == {"JP-1-2026-04-USD.1", "JP-3-2026-03-EUR.1"}


def test_vanished_proposal_withdraws_batch(posting_db, batches):
    approve_all(posting_db, "alice")
    with connect(posting_db) as connection:
        connection.execute(
            "delete from posting.journal_proposal_lines where proposal_id = 'JP-3-2026-03-EUR'"
        )
        summary = sync_batches(connection, read_proposals(connection))

    assert summary.withdrawn == ["JP-3-2026-03-EUR.1"]
    assert batch_states(posting_db)["JP-3-2026-03-EUR.1"] == "rejected"


def test_reject_records_reason(posting_db, batches):
    with connect(posting_db) as connection:
        reject_batch(connection, batches[0], "carol", "Wrong tax code on services")
        row = connection.execute(
            """
            select state, actor, message from posting.posting_log
            where batch_id = %s order by log_id desc limit 1
            """,
            (batches[0],),
        ).fetchone()
        with pytest.raises(ApprovalError, match="not proposed"):
            approve_batch(connection, batches[0], "alice")

    assert row == ("rejected", "carol", "Rejected: Wrong tax code on services")


def test_dead_lettered_batch_keeps_its_content(posting_db, batches):
    approve_all(posting_db, "alice")
    batch_id = "JP-1-2026-03-USD.1"
    with connect(posting_db) as connection:
        connection.execute(
            "update posting.batches set state = 'dead_lettered' where batch_id = any(%s)",
            ([batch_id, "JP-3-2026-03-EUR.1"],),
        )
        before = _current_hash(connection, batch_id)
        connection.execute(
            """
            update posting.journal_proposal_lines
            set debit = debit * 2, credit = credit * 2
            where proposal_id = 'JP-1-2026-03-USD'
            """
        )
        connection.execute(
            "delete from posting.journal_proposal_lines where proposal_id = 'JP-3-2026-03-EUR'"
        )
        summary = sync_batches(connection, read_proposals(connection))
        after = _current_hash(connection, batch_id)

    assert summary.busy == [batch_id]
    assert summary.withdrawn == []
    assert after == before
    assert batch_states(posting_db)[batch_id] == "dead_lettered"
    assert batch_states(posting_db)["JP-3-2026-03-EUR.1"] == "dead_lettered"


def test_balance_check_flags_edited_lines(posting_db, batches):
    resource = WarehouseResource(url=posting_db.sqlalchemy_url("psycopg"))
    with connect(posting_db) as connection:
        connection.execute(
            """
            update posting.batch_lines set credit = credit + 1
            where batch_id = 'JP-1-2026-03-USD.1' and credit > 0
            """
        )

    result = batches_balance(dg.build_asset_check_context(resources={"warehouse": resource}))

    assert not result.passed
    assert result.metadata["unbalanced_batches"].value == ["JP-1-2026-03-USD.1"]
    assert result.metadata["batches_checked"].value == 3


def test_csv_drop_posts_each_batch_once(posting_db, batches, tmp_path):
    approve_all(posting_db, "alice")
    adapter = NetSuiteCsvAdapter(tmp_path / "drop")

    with connect(posting_db) as connection:
        outcomes = post_ready_batches(connection, adapter)
        connection.execute("update posting.batches set state = 'approved'")
        replays = post_ready_batches(connection, adapter)

    files = sorted(path.name for path in (tmp_path / "drop").iterdir())
    assert [outcome.state for outcome in outcomes] == ["posted"] * 3
    assert files == sorted(f"{outcome.idempotency_key}.csv" for outcome in outcomes)
    assert [outcome.message for outcome in replays] == ["replayed"] * 3


def test_cli_show_and_reject(posting_db, batches, monkeypatch):
    monkeypatch.setenv("TIEOUT_DATABASE_URL", posting_db.libpq_url())
    runner = CliRunner()

    shown = runner.invoke(journals.app, ["show", batches[0]])
    rejected = runner.invoke(
        journals.app, ["reject", batches[0], "--by", "carol", "--reason", "Duplicate of manual JE"]
    )
    again = runner.invoke(journals.app, ["approve", batches[0], "--by", "alice"])
    missing = runner.invoke(journals.app, ["show", "JP-9-2026-01-USD.1"])

    assert shown.exit_code == 0, shown.output
    assert "Posting log" in shown.output
    assert rejected.exit_code == 0, rejected.output
    assert again.exit_code == 1
    assert "not proposed" in again.output
    assert missing.exit_code == 1
    assert batch_states(posting_db)[batches[0]] == "rejected"

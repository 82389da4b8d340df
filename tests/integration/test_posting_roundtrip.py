"""A whole round trip: proposal, batch, approval, sensor, posting, ERP export, ingestion format."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest
from posting_support import (
    Document,
    connect,
    create_proposal_inputs,
    drop_database,
    evaluate_sensor,
    fresh_database,
    make_dbt_project,
    run_dbt_build,
    running_sandbox,
    write_netsuite_snapshot,
)
from typer.testing import CliRunner

from orchestration.cli import journals
from orchestration.ingestion.adapters import read_rows
from orchestration.ingestion.objects import NETSUITE
from orchestration.ingestion.snapshots import scan_source
from orchestration.posting.assets import journal_batches
from orchestration.posting.checks import batches_balance
from orchestration.posting.jobs import post_journals_job
from orchestration.posting.resources import ErpResource
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.integration

DOCUMENTS = [
    Document(
        "in_us1",
        1,
        "2026-03",
        "USD",
        (("100.00", "Subscription", "4000", "US_SAAS"), ("20.00", "Usage", "4100", "US_SAAS")),
        "800US1",
    ),
    Document("cn_us1", 1, "2026-03", "USD", (("-30.00", "Subscription", "4000", "US_SAAS"),)),
    Document(
        "in_gb1", 2, "2026-03", "EUR", (("50.00", "Services", "4200", "GB_STANDARD"),), "800GB1"
    ),
]


@pytest.fixture
def posting_db(warehouse):
    info = fresh_database(warehouse)
    yield info
    drop_database(info)


def _materialize_batches(resource: WarehouseResource) -> dict:
    result = dg.materialize([journal_batches, batches_balance], resources={"warehouse": resource})
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    materialization = result.asset_materializations_for_node("posting__journal_batches")[0]
    return {key: value.value for key, value in materialization.metadata.items()}


def _parsed(snapshot_file) -> list[dict[str, str]]:
    """Parse an export file with ingestion's adapter into dicts by column name."""
    rows, report = read_rows(snapshot_file.path, snapshot_file.spec)
    assert not report.unknown_columns
    assert not report.missing_columns
    names = [column.name for column in snapshot_file.spec.columns]
    return [dict(zip(names, values, strict=True)) for _, _, values in rows]


def _amount(field: str) -> Decimal:
    # Parsed rows are COPY text fields, where \N is NULL.
    return Decimal(0) if field == "\\N" else Decimal(field)


def test_round_trip_to_erp_snapshot(posting_db, tmp_path, monkeypatch):
    create_proposal_inputs(posting_db, DOCUMENTS)
    build = run_dbt_build(posting_db, make_dbt_project(tmp_path))
    assert build.returncode == 0, build.stdout[-4000:]
    warehouse = WarehouseResource(url=posting_db.sqlalchemy_url("psycopg"))

    # Proposals become batches prepared by tieout.
    metadata = _materialize_batches(warehouse)
    assert metadata["proposals"] == 2
    assert metadata["created"] == 2
    with connect(posting_db) as connection:
        batches = dict(
            connection.execute("select batch_id, prepared_by from posting.batches").fetchall()
        )
    assert batches == {"JP-1-2026-03-USD.1": "tieout", "JP-2-2026-03-EUR.1": "tieout"}

    # Finance approves both with the CLI.
    monkeypatch.setenv("TIEOUT_DATABASE_URL", posting_db.libpq_url())
    runner = CliRunner()
    for batch_id in batches:
        approved = runner.invoke(journals.app, ["approve", batch_id, "--by", "alice"])
        assert approved.exit_code == 0, approved.output
    listed = runner.invoke(journals.app, ["list", "--state", "approved"])
    assert listed.exit_code == 0, listed.output
    assert "JP-1-2026-03-USD.1" in listed.output

    snapshot_root = tmp_path / "snapshots"
    seed = write_netsuite_snapshot(snapshot_root)
    with running_sandbox(posting_db, seed, tmp_path) as sandbox:
        # The sensor requests one run per approved batch, and each run posts its batch.
        requests = [item for item in evaluate_sensor(posting_db) if isinstance(item, dg.RunRequest)]
        assert sorted(request.tags["tieout/batch_id"] for request in requests) == sorted(batches)

        erp = ErpResource(base_url=sandbox.url, base_delay_seconds=0.05)
        for request in requests:
            run = post_journals_job.execute_in_process(
                run_config=request.run_config,
                resources={"warehouse": warehouse, "erp": erp},
                tags=request.tags,
            )
            assert run.success

        exported = sandbox.export(snapshot_root)
        assert len(sandbox.journals()) == 2

    with connect(posting_db) as connection:
        posted = connection.execute(
            """
            select batch_id, state, idempotency_key, erp_journal_id from posting.batches
            order by batch_id
            """
        ).fetchall()
        documents = connection.execute(
            "select document_id, correlation_id from posting.posted_documents order by 1"
        ).fetchall()
    assert [row[1] for row in posted] == ["posted", "posted"]
    assert documents == [
        ("cn_us1", "sf:|stripe:cn_us1"),
        ("in_gb1", "sf:800GB1|stripe:in_gb1"),
        ("in_us1", "sf:800US1|stripe:in_us1"),
    ]

    # The export is the newest NetSuite snapshot, and ingestion's own parser reads it.
    snapshots = scan_source(snapshot_root, NETSUITE).snapshots
    assert snapshots[-1].path == exported
    assert snapshots[-1].snapshot_at > snapshots[0].snapshot_at
    assert {file.spec.name for file in snapshots[-1].files} == {
        file.spec.name for file in snapshots[0].files
    }
    files = {file.spec.name: file for file in snapshots[-1].files}
    by_key = {row["externalid"]: row for row in _parsed(files["transaction"])}
    lines = _parsed(files["transaction_line"])
    for batch_id, _, key, erp_journal_id in posted:
        journal = by_key[key]
        assert journal["type"] == "Journal", batch_id
        assert journal["id"] == erp_journal_id, batch_id
        journal_lines = [line for line in lines if line["transaction"] == erp_journal_id]
        debit = sum(_amount(line["debitforeignamount"]) for line in journal_lines)
        credit = sum(_amount(line["creditforeignamount"]) for line in journal_lines)
        assert debit == credit, batch_id
        assert debit > 0, batch_id
    assert by_key["in_existing"]["type"] == "CustInvc"


def test_rebuild_leaves_posted_documents_out(posting_db, tmp_path):
    create_proposal_inputs(posting_db, DOCUMENTS)
    project = make_dbt_project(tmp_path)
    assert run_dbt_build(posting_db, project).returncode == 0
    warehouse = WarehouseResource(url=posting_db.sqlalchemy_url("psycopg"))
    _materialize_batches(warehouse)

    # Pretend the US batch was posted: its documents now appear in posted_documents.
    with connect(posting_db) as connection:
        connection.execute(
            """
            update posting.batches set state = 'posted', erp_journal_id = '9001'
            where batch_id = 'JP-1-2026-03-USD.1'
            """
        )
        connection.execute(
            """
            insert into posting.posted_documents (idempotency_key, document_id, batch_id)
            values ('tieout-x', 'in_us1', 'JP-1-2026-03-USD.1'),
                   ('tieout-x', 'cn_us1', 'JP-1-2026-03-USD.1')
            """
        )
        # A new invoice of the same subsidiary, period and currency arrives.
        connection.execute(
            """
            insert into fixture.reconciliation_exceptions (reason_code, source_object, source_id)
            values ('INVOICE_NOT_POSTED', 'invoice', 'in_us2')
            """
        )
        connection.execute(
            """
            insert into fixture.billing_document_lines
                (document_id, document_type, line_id, subsidiary_id, currency, amount,
                 product_family, revenue_account_number, tax_code, period)
            values ('in_us2', 'invoice', 'il_new', 1, 'usd', 40.00, 'Usage', '4100',
                    'US_SAAS', '2026-03')
            """
        )

    rebuilt = run_dbt_build(posting_db, project)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    metadata = _materialize_batches(warehouse)

    with connect(posting_db) as connection:
        documents = connection.execute(
            """
            select distinct jsonb_array_elements_text(source_documents)
            from posting.journal_proposal_lines where proposal_id = 'JP-1-2026-03-USD'
            """
        ).fetchall()
        states = dict(connection.execute("select batch_id, state from posting.batches").fetchall())
    assert documents == [("in_us2",)]
    assert metadata["created"] == 1
    assert states == {
        "JP-1-2026-03-USD.1": "posted",
        "JP-1-2026-03-USD.2": "proposed",
        "JP-2-2026-03-EUR.1": "proposed",
    }

"""The journal batches asset: proposals from dbt turned into batches awaiting approval."""

from decimal import Decimal

import dagster as dg

from orchestration.owners import FINANCE_OPERATIONS
from orchestration.posting.batches import read_proposals, sync_batches
from orchestration.posting.posting_log import SYSTEM_ACTOR
from orchestration.posting.schema import ensure_posting_tables
from orchestration.resources import WarehouseResource

PROPOSAL_LINES_KEY = dg.AssetKey(["posting", "journal_proposal_lines"])
JOURNAL_BATCHES_KEY = dg.AssetKey(["posting", "journal_batches"])


@dg.asset(
    key=JOURNAL_BATCHES_KEY,
    group_name="posting",
    owners=[FINANCE_OPERATIONS],
    deps=[PROPOSAL_LINES_KEY],
    kinds={"postgres"},
    description=(
        "One batch per journal proposal in posting.batches and posting.batch_lines, prepared "
        "by tieout. A batch whose proposal changed gets the new content hash and goes back "
        "to proposed, so it needs approving again."
    ),
)
def journal_batches(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as connection:
        connection.autocommit = True
        ensure_posting_tables(connection)
        proposals = read_proposals(connection)
        context.log.info("Read %d journal proposals", len(proposals))
        summary = sync_batches(connection, proposals, prepared_by=SYSTEM_ACTOR)
        states = dict(
            connection.execute(
                "select state, count(*) from posting.batches group by state order by state"
            ).fetchall()
        )

    for label, batch_ids in (
        ("Created", summary.created),
        ("Revised, approval required again", summary.revised),
        ("Busy posting, revision deferred", summary.busy),
        ("Withdrawn", summary.withdrawn),
    ):
        for batch_id in batch_ids:
            context.log.info("%s: batch %s", label, batch_id)

    total = sum(
        (line.debit for proposal in proposals.values() for line in proposal.lines), Decimal(0)
    )
    return dg.MaterializeResult(
        metadata={
            "proposals": len(proposals),
            "lines": sum(len(proposal.lines) for proposal in proposals.values()),
            "documents": sum(proposal.document_count for proposal in proposals.values()),
            "total_debit": float(total),
            "created": len(summary.created),
            "revised": len(summary.revised),
            "unchanged": len(summary.unchanged),
            "busy": len(summary.busy),
            "withdrawn": len(summary.withdrawn),
            "already_posted": len(summary.already_posted),
            "batches_by_state": dg.MetadataValue.json({k: int(v) for k, v in states.items()}),
        }
    )

"""Asset checks on the journal batches."""

import dagster as dg

from orchestration.posting.assets import JOURNAL_BATCHES_KEY
from orchestration.resources import WarehouseResource

BALANCE_CHECK_NAME = "batches_balance"


@dg.asset_check(
    asset=JOURNAL_BATCHES_KEY,
    name=BALANCE_CHECK_NAME,
    blocking=True,
    description=(
        "Every open batch's lines balance, and its stored totals and content match its lines. "
        "Posted batches are left out because they never change."
    ),
)
def batches_balance(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as connection:
        rows = connection.execute(
            """
            select b.batch_id, b.total_debit, b.total_credit,
                   coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0), b.line_count,
                   count(l.line_number)
            from posting.batches as b
            left join posting.batch_lines as l on l.batch_id = b.batch_id
            where b.state <> 'posted'
            group by b.batch_id
            order by b.batch_id
            """
        ).fetchall()

    unbalanced = [
        row[0]
        for row in rows
        if row[3] != row[4] or row[1] != row[3] or row[2] != row[4] or row[5] != row[6]
    ]
    return dg.AssetCheckResult(
        passed=not unbalanced,
        metadata={
            "batches_checked": len(rows),
            "unbalanced_batches": dg.MetadataValue.json(unbalanced[:20]),
        },
        description=(
            f"{len(unbalanced)} batches do not balance: {', '.join(unbalanced[:5])}"
            if unbalanced
            else None
        ),
    )

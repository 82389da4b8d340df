-- Matched plus unmatched equals the total, in counts and in amounts, for every
-- subsidiary, period and pair of the summary.
select *
from {{ ref('reconciliation_summary') }}
where
    matched_count + unmatched_count != total_count
    or matched_amount + unmatched_amount != total_amount

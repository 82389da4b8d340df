-- Debits equal credits in every GL transaction, in transaction currency and in
-- functional currency (a transaction has one currency, so per transaction is
-- per transaction and currency).
select
    gl_lines.transaction_id,
    sum(gl_lines.amount) as transaction_currency_imbalance,
    sum(gl_lines.amount_functional) as functional_currency_imbalance
from {{ ref('gl_lines') }} as gl_lines
group by gl_lines.transaction_id
having sum(gl_lines.amount) != 0 or sum(gl_lines.amount_functional) != 0

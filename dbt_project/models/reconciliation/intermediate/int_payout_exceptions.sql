-- A payout must equal the net of the balance transactions it settled, other
-- than its own. Left is that net sum, right the payout amount.
with

payouts as (

    select * from {{ ref('payouts') }}

),

balance_transactions as (

    select * from {{ ref('balance_transactions') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

settled_totals as (

    select
        balance_transactions.payout_id,
        count(*) as transaction_count,
        sum(balance_transactions.net) as net_total
    from balance_transactions
    inner join payouts
        on balance_transactions.payout_id = payouts.payout_id
    where
        balance_transactions.balance_transaction_id
        is distinct from payouts.balance_transaction_id
        and balance_transactions.balance_transaction_type != 'payout'
    group by balance_transactions.payout_id

),

compared as (

    select
        payouts.payout_id,
        payouts.currency_code,
        payouts.amount as payout_amount,
        coalesce(settled_totals.net_total, 0) as net_total,
        coalesce(settled_totals.transaction_count, 0) as transaction_count,
        payouts.subsidiary_id,
        payouts.period,
        payouts.functional_currency,
        payouts.document_date,
        currencies.absolute_tolerance,
        currencies.relative_tolerance
    from payouts
    left join settled_totals
        on payouts.payout_id = settled_totals.payout_id
    left join currencies
        on payouts.currency_code = currencies.currency_code
    where coalesce(payouts.status, 'paid') not in ('canceled', 'failed')

),

final as (

    select
        'PAYOUT_MISMATCH' as reason_code,
        'payouts' as pair,
        compared.subsidiary_id,
        compared.period,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        'stripe' as source_system,
        'payout' as source_object,
        compared.payout_id as source_id,
        'stripe' as left_system,
        'balance_transaction' as left_object,
        compared.payout_id as left_id,
        'stripe' as right_system,
        'payout' as right_object,
        compared.payout_id as right_id,
        compared.currency_code as transaction_currency,
        compared.net_total as left_amount,
        compared.payout_amount as right_amount,
        compared.payout_amount - compared.net_total as difference,
        compared.functional_currency,
        cast(null as {{ dbt.type_numeric() }}) as left_amount_functional,
        cast(null as {{ dbt.type_numeric() }}) as right_amount_functional,
        compared.document_date,
        {{ dbt.concat([
            "'net of '",
            dbt.safe_cast('compared.transaction_count', dbt.type_string()),
            "' balance transactions'",
        ]) }} as detail
    from compared
    where not {{ within_tolerance(
        'compared.payout_amount - compared.net_total',
        'compared.absolute_tolerance',
        'compared.relative_tolerance',
        'compared.net_total',
    ) }}

)

select * from final

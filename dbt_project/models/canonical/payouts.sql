-- Stripe payouts. A payout has no customer; its subsidiary is the one whose
-- charges or refunds it settled (the lowest id when several are mixed). A payout
-- of refunds alone is negative and still belongs to the refunded charges' entity.
with

payouts as (

    select * from {{ ref('stg_stripe__payouts') }}

),

balance_transactions as (

    select * from {{ ref('stg_stripe__balance_transactions') }}

),

payments as (

    select * from {{ ref('payments') }}

),

refunds as (

    select * from {{ ref('refunds') }}

),

settled_documents as (

    select
        payment_id as document_id,
        subsidiary_id
    from payments

    union all

    select
        refund_id as document_id,
        subsidiary_id
    from refunds

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

payout_subsidiaries as (

    select
        balance_transactions.payout_id,
        min(settled_documents.subsidiary_id) as subsidiary_id
    from balance_transactions
    inner join settled_documents
        on balance_transactions.source_id = settled_documents.document_id
    where balance_transactions.payout_id is not null
    group by balance_transactions.payout_id

),

dated_payouts as (

    select
        payouts.*,
        payout_subsidiaries.subsidiary_id,
        subsidiaries.functional_currency,
        {{ to_local_date('payouts.created_at', "coalesce(subsidiaries.time_zone, 'UTC')") }}
            as document_date
    from payouts
    left join payout_subsidiaries
        on payouts.payout_id = payout_subsidiaries.payout_id
    left join subsidiaries
        on payout_subsidiaries.subsidiary_id = subsidiaries.subsidiary_id

),

final as (

    select
        dated_payouts.payout_id,
        dated_payouts.subsidiary_id,
        dated_payouts.payout_status as status,
        dated_payouts.payout_type,
        dated_payouts.payout_method,
        dated_payouts.is_automatic,
        dated_payouts.currency_code,
        dated_payouts.amount,
        dated_payouts.balance_transaction_id,
        dated_payouts.arrives_at,
        dated_payouts.created_at,
        dated_payouts.document_date,
        periods.period,
        dated_payouts.functional_currency,
        dated_payouts.snapshot_at
    from dated_payouts
    left join periods
        on dated_payouts.document_date between periods.start_date and periods.end_date

)

select * from final

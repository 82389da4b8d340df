-- Refunds as Stripe reports them (`amount` positive) and with their signed effect
-- on the receivable (`receivable_amount` positive: money returned to the customer
-- reverses part of a payment).
with

refunds as (

    select * from {{ ref('stg_stripe__refunds') }}

),

payments as (

    select * from {{ ref('payments') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

dated_refunds as (

    select
        refunds.*,
        payments.customer_id,
        payments.subsidiary_id,
        subsidiaries.time_zone,
        {{ to_local_date('refunds.created_at', 'subsidiaries.time_zone') }} as document_date
    from refunds
    left join payments
        on refunds.charge_id = payments.payment_id
    left join subsidiaries
        on payments.subsidiary_id = subsidiaries.subsidiary_id

),

final as (

    select
        dated_refunds.refund_id,
        dated_refunds.charge_id as payment_id,
        dated_refunds.credit_note_id,
        dated_refunds.customer_id,
        dated_refunds.subsidiary_id,
        dated_refunds.refund_status as status,
        dated_refunds.reason,
        dated_refunds.currency_code,
        dated_refunds.amount,
        dated_refunds.amount as receivable_amount,
        dated_refunds.balance_transaction_id,
        dated_refunds.created_at as document_at,
        dated_refunds.document_date,
        periods.accounting_period_id,
        coalesce(periods.period, {{ period_label('dated_refunds.document_date') }}) as period
    from dated_refunds
    left join periods
        on dated_refunds.document_date between periods.start_date and periods.end_date

)

select * from final

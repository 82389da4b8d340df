-- Stripe charges that paid at least one invoice, next to the NetSuite customer
-- payments that reference them. Both sides are the positive amount received:
-- the GL amount is the credit to accounts receivable.
with

payments as (

    select * from {{ ref('payments') }}
    where is_succeeded and application_count > 0

),

gl_transactions as (

    select * from {{ ref('gl_transactions') }}
    where is_live

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

gl_receipts as (

    select
        external_id as payment_id,
        count(*) as receipt_count,
        min(transaction_id) as transaction_id,
        -sum(ar_amount) as gl_amount,
        -sum(ar_amount_functional) as gl_amount_functional,
        min(accounting_period_id) as accounting_period_id
    from gl_transactions
    where external_id_kind = 'charge'
    group by external_id

),

final as (

    select
        payments.payment_id,
        payments.customer_id,
        payments.subsidiary_id,
        payments.currency_code,
        payments.functional_currency,
        payments.amount,
        payments.application_count,
        payments.document_date,
        payments.accounting_period_id,
        payments.period,
        gl_receipts.transaction_id,
        coalesce(gl_receipts.receipt_count, 0) as receipt_count,
        gl_receipts.gl_amount,
        gl_receipts.gl_amount_functional,
        currencies.absolute_tolerance,
        currencies.relative_tolerance,
        {{ tolerance_amount(
            'currencies.absolute_tolerance', 'currencies.relative_tolerance', 'payments.amount'
        ) }} as tolerance_used
    from payments
    left join gl_receipts
        on payments.payment_id = gl_receipts.payment_id
    left join currencies
        on payments.currency_code = currencies.currency_code

)

select * from final

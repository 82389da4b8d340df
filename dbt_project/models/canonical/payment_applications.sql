-- Invoice payments: the invoice each charge paid and how much of it. A charge
-- with several rows here paid several invoices (a one-to-many payment).
with

invoice_payments as (

    select * from {{ ref('stg_stripe__invoice_payments') }}

),

payments as (

    select * from {{ ref('payments') }}

),

final as (

    select
        invoice_payments.invoice_payment_id as application_id,
        invoice_payments.charge_id as payment_id,
        invoice_payments.invoice_id,
        payments.customer_id,
        payments.subsidiary_id,
        invoice_payments.invoice_payment_status as status,
        invoice_payments.payment_type,
        invoice_payments.currency_code,
        invoice_payments.amount_paid as amount_applied,
        invoice_payments.amount_requested,
        coalesce(payments.application_count, 0) as payment_application_count,
        invoice_payments.paid_at,
        payments.document_date,
        payments.period
    from invoice_payments
    left join payments
        on invoice_payments.charge_id = payments.payment_id

)

select * from final

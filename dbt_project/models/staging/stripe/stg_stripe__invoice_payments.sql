with

source as (

    {{ latest_snapshot_rows('stripe', 'invoice_payment') }}

),

invoice_payments as (

    select
        id as invoice_payment_id,
        invoice as invoice_id,
        charge as charge_id,
        payment_intent as payment_intent_id,
        payment_type,
        status as invoice_payment_status,
        upper(currency) as currency_code,
        amount_paid,
        amount_requested,
        paid_at,
        created as created_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from invoice_payments

)

select * from final

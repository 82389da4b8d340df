with

source as (

    {{ latest_snapshot_rows('stripe', 'charge') }}

),

charges as (

    select
        id as charge_id,
        customer as customer_id,
        payment_intent as payment_intent_id,
        balance_transaction as balance_transaction_id,
        status as charge_status,
        coalesce(paid, false) as is_paid,
        upper(currency) as currency_code,
        amount,
        amount_captured,
        amount_refunded,
        created as created_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from charges

)

select * from final

with

source as (

    {{ latest_snapshot_rows('stripe', 'refund') }}

),

refunds as (

    select
        id as refund_id,
        charge as charge_id,
        payment_intent as payment_intent_id,
        balance_transaction as balance_transaction_id,
        status as refund_status,
        reason,
        upper(currency) as currency_code,
        amount,
        nullif(credit_note, '') as credit_note_id,
        created as created_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from refunds

)

select * from final

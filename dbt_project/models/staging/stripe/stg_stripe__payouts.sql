with

source as (

    {{ latest_snapshot_rows('stripe', 'payout') }}

),

payouts as (

    select
        id as payout_id,
        status as payout_status,
        type as payout_type,
        method as payout_method,
        coalesce(automatic, false) as is_automatic,
        upper(currency) as currency_code,
        amount,
        balance_transaction as balance_transaction_id,
        arrival_date as arrives_at,
        created as created_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from payouts

)

select * from final

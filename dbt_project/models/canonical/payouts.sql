with

payouts as (

    select * from {{ ref('stg_stripe__payouts') }}

),

final as (

    select
        payout_id,
        payout_status as status,
        payout_type,
        payout_method,
        is_automatic,
        currency_code,
        amount,
        balance_transaction_id,
        arrives_at,
        created_at,
        snapshot_at
    from payouts

)

select * from final

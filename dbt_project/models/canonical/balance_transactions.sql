with

balance_transactions as (

    select * from {{ ref('stg_stripe__balance_transactions') }}

),

final as (

    select
        balance_transaction_id,
        balance_transaction_type,
        reporting_category,
        source_id,
        balance_transaction_status as status,
        currency_code,
        amount,
        fee,
        net,
        exchange_rate,
        payout_id,
        created_at,
        available_on
    from balance_transactions

)

select * from final

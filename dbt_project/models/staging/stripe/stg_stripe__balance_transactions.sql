with

source as (

    {{ latest_snapshot_rows('stripe', 'balance_transaction') }}

),

balance_transactions as (

    select
        id as balance_transaction_id,
        type as balance_transaction_type,
        reporting_category,
        source as source_id,
        status as balance_transaction_status,
        upper(currency) as currency_code,
        amount,
        fee,
        net,
        exchange_rate,
        payout as payout_id,
        created as created_at,
        available_on,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from balance_transactions

)

select * from final

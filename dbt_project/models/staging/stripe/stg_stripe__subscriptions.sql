with

source as (

    {{ latest_snapshot_rows('stripe', 'subscription') }}

),

subscriptions as (

    select
        id as subscription_id,
        customer as customer_id,
        status as subscription_status,
        upper(currency) as currency_code,
        start_date as started_at,
        ended_at,
        canceled_at,
        cancel_at,
        created as created_at,
        nullif(salesforce_contract_id, '') as salesforce_contract_id,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from subscriptions

)

select * from final

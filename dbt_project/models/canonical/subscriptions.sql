with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

subscription_items as (

    select * from {{ ref('subscription_items') }}

),

crosswalk as (

    select * from {{ ref('customer_crosswalk') }}
    where source_system = 'stripe'

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

item_totals as (

    select
        subscription_id,
        count(*) as item_count,
        sum(monthly_value) as monthly_value,
        max(created_at) as last_item_created_at
    from subscription_items
    group by subscription_id

),

final as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id as stripe_customer_id,
        crosswalk.customer_id,
        crosswalk.subsidiary_id,
        subscriptions.subscription_status,
        subscriptions.currency_code,
        subscriptions.started_at,
        {{ to_local_date('subscriptions.started_at', 'subsidiaries.time_zone') }}
            as start_date,
        subscriptions.ended_at,
        subscriptions.canceled_at,
        subscriptions.salesforce_contract_id,
        coalesce(item_totals.item_count, 0) as item_count,
        round(coalesce(item_totals.monthly_value, 0), 6) as monthly_value,
        -- The latest change to the subscription or any of its items.
        case
            when item_totals.last_item_created_at > subscriptions.created_at
                then item_totals.last_item_created_at
            else subscriptions.created_at
        end as last_changed_at,
        subsidiaries.time_zone,
        subscriptions.created_at,
        subscriptions.snapshot_at
    from subscriptions
    left join item_totals
        on subscriptions.subscription_id = item_totals.subscription_id
    left join crosswalk
        on subscriptions.customer_id = crosswalk.source_customer_id
    left join subsidiaries
        on crosswalk.subsidiary_id = subsidiaries.subsidiary_id

)

select * from final

-- depends_on: {{ source('stripe', 'subscription') }}
-- The rows arrive in the load of their parent object, so lineage starts there.
with

source as (

    {{ latest_snapshot_rows('stripe', 'subscription_item', 'subscription') }}

),

subscription_items as (

    select
        id as subscription_item_id,
        subscription as subscription_id,
        price_id,
        product_id,
        upper(currency) as currency_code,
        unit_amount,
        recurring_interval,
        coalesce(
            {{ dbt.safe_cast(
                json_text('_record', ['price', 'recurring', 'interval_count']),
                dbt.type_int()
            ) }},
            1
        ) as recurring_interval_count,
        usage_type,
        quantity,
        created as created_at,
        current_period_start as current_period_started_at,
        current_period_end as current_period_ended_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from subscription_items

)

select * from final

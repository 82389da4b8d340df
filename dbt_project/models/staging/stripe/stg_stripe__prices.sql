with

source as (

    {{ latest_snapshot_rows('stripe', 'price') }}

),

prices as (

    select
        id as price_id,
        product as product_id,
        upper(currency) as currency_code,
        unit_amount,
        type as price_type,
        recurring_interval,
        coalesce(
            {{ dbt.safe_cast(
                json_text('_record', ['recurring', 'interval_count']), dbt.type_int()
            ) }},
            1
        ) as recurring_interval_count,
        recurring_usage_type,
        coalesce(active, false) as is_active,
        created as created_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from prices

)

select * from final

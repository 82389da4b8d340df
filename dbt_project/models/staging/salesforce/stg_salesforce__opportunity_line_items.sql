with

source as (

    {{ latest_snapshot_rows('salesforce', 'opportunity_line_item') }}

),

line_items as (

    select
        id as opportunity_line_item_id,
        opportunity_id,
        product2_id as product_id,
        quantity,
        upper(currency_iso_code) as currency_code,
        unit_price,
        total_price,
        service_date,
        created_date as created_at,
        last_modified_date as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source
    where not coalesce(is_deleted, false)

),

final as (

    select * from line_items

)

select * from final

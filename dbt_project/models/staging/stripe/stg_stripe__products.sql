with

source as (

    {{ latest_snapshot_rows('stripe', 'product') }}

),

products as (

    select
        id as product_id,
        name as product_name,
        coalesce(active, false) as is_active,
        tax_code,
        created as created_at,
        updated as updated_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from products

)

select * from final

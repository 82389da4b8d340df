with

source as (

    {{ latest_snapshot_rows('salesforce', 'product2') }}

),

products as (

    select
        id as product_id,
        name as product_name,
        product_code,
        family as product_family,
        coalesce(is_active, false) as is_active,
        stripe_product_id,
        created_date as created_at,
        last_modified_date as last_modified_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source
    where not coalesce(is_deleted, false)

),

final as (

    select * from products

)

select * from final

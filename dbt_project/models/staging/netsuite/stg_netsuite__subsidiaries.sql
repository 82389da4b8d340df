with

source as (

    {{ latest_snapshot_rows('netsuite', 'subsidiary') }}

),

subsidiaries as (

    select
        id as subsidiary_id,
        name as subsidiary_name,
        country as country_code,
        currency as currency_id,
        parent as parent_subsidiary_id,
        coalesce(iselimination, false) as is_elimination,
        coalesce(isinactive, false) as is_inactive,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from subsidiaries

)

select * from final

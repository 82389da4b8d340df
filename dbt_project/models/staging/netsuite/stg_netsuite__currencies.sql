with

source as (

    {{ latest_snapshot_rows('netsuite', 'currency') }}

),

currencies as (

    select
        id as currency_id,
        name as currency_name,
        upper(symbol) as currency_code,
        currencyprecision as currency_precision,
        coalesce(isbasecurrency, false) as is_base_currency,
        coalesce(isinactive, false) as is_inactive,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from currencies

)

select * from final

{{ config(alias='subsidiaries') }}

with

seeded_subsidiaries as (

    select * from {{ ref('subsidiaries') }}

),

netsuite_subsidiaries as (

    select * from {{ ref('stg_netsuite__subsidiaries') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

combined as (

    select
        coalesce(seeded_subsidiaries.subsidiary_id, netsuite_subsidiaries.subsidiary_id)
            as subsidiary_id,
        coalesce(netsuite_subsidiaries.subsidiary_name, seeded_subsidiaries.subsidiary_name)
            as subsidiary_name,
        coalesce(seeded_subsidiaries.country, netsuite_subsidiaries.country_code)
            as country_code,
        coalesce(seeded_subsidiaries.functional_currency, netsuite_currency.currency_code)
            as functional_currency,
        coalesce(seeded_subsidiaries.time_zone, 'UTC') as time_zone,
        netsuite_subsidiaries.parent_subsidiary_id,
        coalesce(netsuite_subsidiaries.is_elimination, false) as is_elimination,
        coalesce(netsuite_subsidiaries.is_inactive, false) as is_inactive,
        seeded_subsidiaries.subsidiary_id is not null as is_configured,
        netsuite_subsidiaries.subsidiary_id is not null as is_in_netsuite
    from seeded_subsidiaries
    full outer join netsuite_subsidiaries
        on seeded_subsidiaries.subsidiary_id = netsuite_subsidiaries.subsidiary_id
    left join currencies as netsuite_currency
        on netsuite_subsidiaries.currency_id = netsuite_currency.netsuite_currency_id

),

final as (

    select
        combined.*,
        currencies.minor_unit as functional_minor_unit
    from combined
    left join currencies
        on combined.functional_currency = currencies.currency_code

)

select * from final

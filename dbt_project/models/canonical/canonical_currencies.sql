{{ config(alias='currencies') }}

with

seeded_currencies as (

    select * from {{ ref('currencies') }}

),

netsuite_currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}

),

amount_tolerances as (

    select * from {{ ref('amount_tolerances') }}

),

combined as (

    select
        coalesce(seeded_currencies.currency_code, netsuite_currencies.currency_code)
            as currency_code,
        coalesce(seeded_currencies.netsuite_currency_id, netsuite_currencies.currency_id)
            as netsuite_currency_id,
        coalesce(seeded_currencies.currency_name, netsuite_currencies.currency_name)
            as currency_name,
        cast(
            coalesce(seeded_currencies.minor_unit, netsuite_currencies.currency_precision, 2)
            as {{ dbt.type_int() }}
        ) as minor_unit
    from seeded_currencies
    full outer join netsuite_currencies
        on seeded_currencies.netsuite_currency_id = netsuite_currencies.currency_id

),

final as (

    select
        combined.currency_code,
        combined.netsuite_currency_id,
        combined.currency_name,
        combined.minor_unit,
        -- Without a configured tolerance, amounts must agree to the minor unit.
        coalesce(
            amount_tolerances.absolute_tolerance,
            power(cast(10 as {{ dbt.type_numeric() }}), -combined.minor_unit)
        ) as absolute_tolerance,
        coalesce(amount_tolerances.relative_tolerance, 0) as relative_tolerance
    from combined
    left join amount_tolerances
        on combined.currency_code = amount_tolerances.currency_code

)

select * from final

with

source as (

    {{ latest_snapshot_rows('netsuite', 'consolidated_exchange_rate') }}

),

exchange_rates as (

    select
        id as consolidated_exchange_rate_id,
        postingperiod as accounting_period_id,
        fromcurrency as from_currency_id,
        tocurrency as to_currency_id,
        fromsubsidiary as from_subsidiary_id,
        tosubsidiary as to_subsidiary_id,
        averagerate as average_rate,
        currentrate as current_rate,
        historicalrate as historical_rate,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from exchange_rates

)

select * from final

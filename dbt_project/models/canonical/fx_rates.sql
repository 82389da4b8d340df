-- One consolidated average rate per posting period and currency pair. NetSuite
-- keeps a row per subsidiary pair; pairs with the same currencies share a rate,
-- so the row with the lowest id stands for them. Identity rates (1 for a currency
-- to itself) and inverted rates, where NetSuite has only the other direction,
-- complete the table so every conversion is a single join.
with

exchange_rates as (

    select * from {{ ref('stg_netsuite__consolidated_exchange_rates') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

direct_rates as (

    select
        exchange_rates.accounting_period_id,
        from_currency.currency_code as from_currency,
        to_currency.currency_code as to_currency,
        exchange_rates.average_rate,
        exchange_rates.current_rate,
        row_number() over (
            partition by
                exchange_rates.accounting_period_id,
                from_currency.currency_code,
                to_currency.currency_code
            order by exchange_rates.consolidated_exchange_rate_id
        ) as rate_rank
    from exchange_rates
    inner join currencies as from_currency
        on exchange_rates.from_currency_id = from_currency.netsuite_currency_id
    inner join currencies as to_currency
        on exchange_rates.to_currency_id = to_currency.netsuite_currency_id
    where
        exchange_rates.average_rate is not null
        and from_currency.currency_code != to_currency.currency_code

),

chosen_direct_rates as (

    select
        accounting_period_id,
        from_currency,
        to_currency,
        average_rate,
        current_rate,
        'netsuite' as rate_source
    from direct_rates
    where rate_rank = 1

),

inverted_rates as (

    select
        chosen_direct_rates.accounting_period_id,
        chosen_direct_rates.to_currency as from_currency,
        chosen_direct_rates.from_currency as to_currency,
        1 / nullif(chosen_direct_rates.average_rate, 0) as average_rate,
        1 / nullif(chosen_direct_rates.current_rate, 0) as current_rate,
        'inverted' as rate_source
    from chosen_direct_rates
    left join chosen_direct_rates as opposite
        on
            chosen_direct_rates.accounting_period_id = opposite.accounting_period_id
            and chosen_direct_rates.from_currency = opposite.to_currency
            and chosen_direct_rates.to_currency = opposite.from_currency
    where opposite.accounting_period_id is null

),

identity_rates as (

    select
        periods.accounting_period_id,
        currencies.currency_code as from_currency,
        currencies.currency_code as to_currency,
        cast(1 as {{ dbt.type_numeric() }}) as average_rate,
        cast(1 as {{ dbt.type_numeric() }}) as current_rate,
        'identity' as rate_source
    from periods
    cross join currencies

),

all_rates as (

    select * from chosen_direct_rates
    union all
    select * from inverted_rates
    union all
    select * from identity_rates

),

final as (

    select
        all_rates.accounting_period_id,
        periods.period,
        periods.end_date as rate_date,
        all_rates.from_currency,
        all_rates.to_currency,
        all_rates.average_rate,
        all_rates.current_rate,
        all_rates.rate_source
    from all_rates
    inner join periods
        on all_rates.accounting_period_id = periods.accounting_period_id

)

select * from final

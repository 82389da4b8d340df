-- AR movement per subsidiary, period and transaction currency from GL
-- transactions that nothing explains (see int_gl_transaction_claims). Left is
-- the billing side, which has no such movement, right the GL movement.
with

claims as (

    select * from {{ ref('int_gl_transaction_claims') }}
    where is_unexplained

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

movements as (

    select
        subsidiary_id,
        period,
        currency_code,
        max(functional_currency) as functional_currency,
        count(*) as transaction_count,
        sum(ar_amount) as ar_movement,
        sum(ar_amount_functional) as ar_movement_functional,
        {{ dbt.listagg(
            dbt.safe_cast('transaction_id', dbt.type_string()),
            "', '",
            'order by transaction_id',
        ) }} as transaction_ids
    from claims
    group by subsidiary_id, period, currency_code

),

final as (

    select
        'AR_TIEOUT_DIFFERENCE' as reason_code,
        'balances' as pair,
        movements.subsidiary_id,
        movements.period,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        'netsuite' as source_system,
        'ar_balance' as source_object,
        {{ dbt.concat([
            dbt.safe_cast('movements.subsidiary_id', dbt.type_string()),
            "':'",
            'movements.period',
            "':'",
            'movements.currency_code',
        ]) }} as source_id,
        'stripe' as left_system,
        'open_receivables' as left_object,
        cast(null as {{ dbt.type_string() }}) as left_id,
        'netsuite' as right_system,
        'ar_account' as right_object,
        cast(null as {{ dbt.type_string() }}) as right_id,
        movements.currency_code as transaction_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount,
        movements.ar_movement as right_amount,
        movements.ar_movement as difference,
        movements.functional_currency,
        cast(0 as {{ dbt.type_numeric() }}) as left_amount_functional,
        movements.ar_movement_functional as right_amount_functional,
        periods.end_date as document_date,
        {{ dbt.concat([
            "'AR movement of GL transactions '",
            'movements.transaction_ids',
            "' matches no billing document'",
        ]) }} as detail
    from movements
    left join periods
        on movements.period = periods.period
    left join currencies
        on movements.currency_code = currencies.currency_code
    where not {{ within_tolerance(
        'movements.ar_movement',
        'currencies.absolute_tolerance',
        'currencies.relative_tolerance',
        '0',
    ) }}

)

select * from final

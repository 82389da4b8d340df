-- Whether each subsidiary's period is ready to close: no open high or medium
-- exception and every currency's AR tied out. Every exception in the mart
-- counts as open. Amount at risk is the absolute functional difference of the
-- exceptions that carry an amount.
-- Partitioned by accounting period: with the vars period_start and period_end
-- ('YYYY-MM') a run replaces only those periods' rows; without them it rebuilds
-- the table (macros/period_partitions.sql).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
        on_schema_change='fail',
        full_refresh=not period_range_is_set(),
        pre_hook="{{ delete_period_range() }}",
        tags=['period_partitioned'],
    )
}}

with

exceptions as (

    select * from {{ ref('reconciliation_exceptions') }}
    where {{ in_period_range('period') }}

),

ar_tieout as (

    select * from {{ ref('ar_tieout') }}
    where {{ in_period_range('period') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}
    where {{ in_period_range('period') }}

),

snapshot as (

    select max(snapshot_at) as snapshot_at from {{ ref('stg_netsuite__subsidiaries') }}

),

subsidiary_periods as (

    select
        subsidiaries.subsidiary_id,
        subsidiaries.functional_currency,
        periods.period,
        periods.is_closed
    from subsidiaries
    cross join periods
    cross join snapshot
    where periods.start_date <= cast(snapshot.snapshot_at as date)

),

exception_totals as (

    select
        subsidiary_id,
        period,
        count(*) as open_exception_count,
        sum(case when severity = 'high' then 1 else 0 end) as high_count,
        sum(case when severity = 'medium' then 1 else 0 end) as medium_count,
        sum(case when severity = 'low' then 1 else 0 end) as low_count,
        sum(
            case
                when reason_code = 'CONTRACT_DATE_MISMATCH' then 0
                else abs(coalesce(difference_functional, 0))
            end
        ) as amount_at_risk
    from exceptions
    group by subsidiary_id, period

),

blocking_reasons as (

    select
        subsidiary_id,
        period,
        {{ dbt.listagg('reason_code', "', '", 'order by reason_code') }} as blocking_reasons
    from (
        select distinct
            subsidiary_id,
            period,
            reason_code
        from exceptions
        where severity in ('high', 'medium')
    ) as blocking
    group by subsidiary_id, period

),

ar_totals as (

    select
        subsidiary_id,
        period,
        sum(case when is_tied_out then 0 else 1 end) as untied_currency_count
    from ar_tieout
    group by subsidiary_id, period

),

final as (

    select
        cast(subsidiary_periods.subsidiary_id as {{ dbt.type_int() }}) as subsidiary_id,
        subsidiary_periods.period,
        subsidiary_periods.functional_currency,
        subsidiary_periods.is_closed as is_period_closed_in_erp,
        coalesce(exception_totals.open_exception_count, 0) as open_exception_count,
        coalesce(exception_totals.high_count, 0) as high_count,
        coalesce(exception_totals.medium_count, 0) as medium_count,
        coalesce(exception_totals.low_count, 0) as low_count,
        coalesce(exception_totals.amount_at_risk, 0) as amount_at_risk,
        coalesce(ar_totals.untied_currency_count, 0) as untied_ar_currency_count,
        blocking_reasons.blocking_reasons,
        coalesce(exception_totals.high_count, 0) = 0
        and coalesce(exception_totals.medium_count, 0) = 0
        and coalesce(ar_totals.untied_currency_count, 0) = 0 as is_ready
    from subsidiary_periods
    left join exception_totals
        on
            subsidiary_periods.subsidiary_id = exception_totals.subsidiary_id
            and subsidiary_periods.period = exception_totals.period
    left join ar_totals
        on
            subsidiary_periods.subsidiary_id = ar_totals.subsidiary_id
            and subsidiary_periods.period = ar_totals.period
    left join blocking_reasons
        on
            subsidiary_periods.subsidiary_id = blocking_reasons.subsidiary_id
            and subsidiary_periods.period = blocking_reasons.period

)

select * from final

-- Match rates per subsidiary, period and pair. An item is the record a pair
-- reconciles: the left side of a match, the identifying record of an
-- exception, a payout or an AR balance per currency. It is unmatched when it
-- has at least one exception. Amounts are absolute values in the subsidiary's
-- functional currency, so matched_amount + unmatched_amount = total_amount.
-- A match without a period of its own (a customer matched across systems)
-- counts in the period of the snapshot, where the exceptions mart places the
-- master-data exceptions, so every row has a period and belongs to a partition.
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

matches as (

    select * from {{ ref('reconciliation_matches') }}

),

exceptions as (

    select * from {{ ref('reconciliation_exceptions') }}

),

payouts as (

    select * from {{ ref('payouts') }}

),

ar_tieout as (

    select * from {{ ref('ar_tieout') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

-- The same snapshot time the exceptions mart counts ages from.
snapshot_times as (

    select max(snapshot_at) as snapshot_at from {{ ref('stg_salesforce__accounts') }}
    union all
    select max(snapshot_at) as snapshot_at from {{ ref('stg_stripe__customers') }}
    union all
    select max(snapshot_at) as snapshot_at from {{ ref('stg_netsuite__subsidiaries') }}

),

reconciliation_snapshot as (

    select max(snapshot_at) as snapshot_at from snapshot_times

),

matched_items as (

    select
        matches.pair,
        matches.left_system as item_system,
        matches.left_object as item_object,
        matches.left_id as item_id,
        matches.subsidiary_id,
        coalesce(
            matches.period,
            {{ period_label(to_local_date(
                'reconciliation_snapshot.snapshot_at',
                "coalesce(subsidiaries.time_zone, 'UTC')",
            )) }}
        ) as period,
        abs(matches.left_amount * coalesce(fx_rates.average_rate, 1)) as amount_functional,
        0 as has_exception
    from matches
    cross join reconciliation_snapshot
    left join subsidiaries
        on matches.subsidiary_id = subsidiaries.subsidiary_id
    left join periods
        on matches.period = periods.period
    left join fx_rates
        on
            periods.accounting_period_id = fx_rates.accounting_period_id
            and matches.transaction_currency = fx_rates.from_currency
            and subsidiaries.functional_currency = fx_rates.to_currency
    where matches.left_id is not null

),

exception_items as (

    select
        pair,
        source_system as item_system,
        source_object as item_object,
        source_id as item_id,
        subsidiary_id,
        period,
        abs(
            case
                when coalesce(left_amount_functional, 0) != 0 then left_amount_functional
                else coalesce(right_amount_functional, 0)
            end
        ) as amount_functional,
        1 as has_exception
    from exceptions

),

payout_items as (

    select
        'payouts' as pair,
        'stripe' as item_system,
        'payout' as item_object,
        payouts.payout_id as item_id,
        payouts.subsidiary_id,
        payouts.period,
        abs(payouts.amount * coalesce(fx_rates.average_rate, 1)) as amount_functional,
        0 as has_exception
    from payouts
    left join periods
        on payouts.period = periods.period
    left join fx_rates
        on
            periods.accounting_period_id = fx_rates.accounting_period_id
            and payouts.currency_code = fx_rates.from_currency
            and payouts.functional_currency = fx_rates.to_currency
    -- A payout dated after the ERP's last accounting period has no period yet; it
    -- counts once the ERP opens that period.
    where payouts.period is not null

),

balance_items as (

    select
        'balances' as pair,
        'netsuite' as item_system,
        'ar_balance' as item_object,
        {{ dbt.concat([
            dbt.safe_cast('subsidiary_id', dbt.type_string()), "':'",
            'period', "':'",
            'currency',
        ]) }} as item_id,
        subsidiary_id,
        period,
        cast(0 as {{ dbt.type_numeric() }}) as amount_functional,
        0 as has_exception
    from ar_tieout

),

all_items as (

    select * from matched_items
    union all
    select * from exception_items
    union all
    select * from payout_items
    union all
    select * from balance_items

),

-- One row per item: its exception's placement wins over its match's.
items as (

    select
        pair,
        item_system,
        item_object,
        item_id,
        coalesce(
            max(case when has_exception = 1 then subsidiary_id end), max(subsidiary_id)
        ) as subsidiary_id,
        coalesce(max(case when has_exception = 1 then period end), max(period)) as period,
        max(amount_functional) as amount_functional,
        max(has_exception) as has_exception
    from all_items
    group by pair, item_system, item_object, item_id

),

final as (

    select
        cast(items.subsidiary_id as {{ dbt.type_int() }}) as subsidiary_id,
        items.period,
        items.pair,
        max(subsidiaries.functional_currency) as functional_currency,
        count(*) as total_count,
        sum(1 - items.has_exception) as matched_count,
        sum(items.has_exception) as unmatched_count,
        sum(items.amount_functional) as total_amount,
        sum(case when items.has_exception = 0 then items.amount_functional else 0 end)
            as matched_amount,
        sum(case when items.has_exception = 1 then items.amount_functional else 0 end)
            as unmatched_amount,
        round(
            cast(sum(1 - items.has_exception) as {{ dbt.type_numeric() }}) / count(*), 4
        ) as match_rate
    from items
    left join subsidiaries
        on items.subsidiary_id = subsidiaries.subsidiary_id
    -- An item's period is known only once its match and exceptions are combined.
    where {{ in_period_range('items.period') }}
    group by items.subsidiary_id, items.period, items.pair

)

select * from final

-- Billing open receivables against the GL accounts-receivable balance, per
-- subsidiary, period and transaction currency, cumulative to each period end.
-- Billing movements are finalized documents, succeeded charges (negative) and
-- succeeded refunds (positive); GL movements are every transaction's AR lines.
-- The exceptions of the billing-GL, payments and balances pairs explain part of
-- the difference, in the same GL-minus-billing sign.
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

billing_documents as (

    select * from {{ ref('billing_documents') }}
    where is_finalized and not is_void

),

payments as (

    select * from {{ ref('payments') }}
    where is_succeeded

),

refunds as (

    select * from {{ ref('refunds') }}
    where coalesce(status, 'succeeded') = 'succeeded'

),

gl_transactions as (

    select * from {{ ref('gl_transactions') }}
    where ar_line_count > 0

),

exceptions as (

    select * from {{ ref('reconciliation_exceptions') }}

),

subsidiaries as (

    select * from {{ ref('canonical_subsidiaries') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

billing_movements as (

    select
        subsidiary_id,
        period,
        currency_code,
        amount
    from billing_documents
    union all
    select
        subsidiary_id,
        period,
        currency_code,
        receivable_amount as amount
    from payments
    union all
    select
        subsidiary_id,
        period,
        currency_code,
        receivable_amount as amount
    from refunds

),

billing_totals as (

    select
        subsidiary_id,
        period,
        currency_code,
        sum(amount) as billing_movement
    from billing_movements
    group by subsidiary_id, period, currency_code

),

gl_totals as (

    select
        subsidiary_id,
        period,
        currency_code,
        sum(ar_amount) as gl_movement
    from gl_transactions
    group by subsidiary_id, period, currency_code

),

-- Payment reasons compare positive amounts received; on the receivable a
-- payment is negative, so their difference changes sign here. FX_DIFFERENCE is
-- in functional currency and does not explain a transaction-currency balance.
explained_totals as (

    select
        subsidiary_id,
        period,
        transaction_currency as currency_code,
        sum(
            case
                when pair = 'payments' then -difference
                else difference
            end
        ) as explained_movement
    from exceptions
    where
        pair in ('billing_gl', 'payments', 'balances')
        and reason_code != 'FX_DIFFERENCE'
    group by subsidiary_id, period, transaction_currency

),

combined as (

    select
        coalesce(billing_totals.subsidiary_id, gl_totals.subsidiary_id) as subsidiary_id,
        coalesce(billing_totals.period, gl_totals.period) as period,
        coalesce(billing_totals.currency_code, gl_totals.currency_code) as currency_code,
        coalesce(billing_totals.billing_movement, 0) as billing_movement,
        coalesce(gl_totals.gl_movement, 0) as gl_movement
    from billing_totals
    full outer join gl_totals
        on
            billing_totals.subsidiary_id = gl_totals.subsidiary_id
            and billing_totals.period = gl_totals.period
            and billing_totals.currency_code = gl_totals.currency_code

),

with_explanations as (

    select
        combined.*,
        coalesce(explained_totals.explained_movement, 0) as explained_movement
    from combined
    left join explained_totals
        on
            combined.subsidiary_id = explained_totals.subsidiary_id
            and combined.period = explained_totals.period
            and combined.currency_code = explained_totals.currency_code

),

balances as (

    select
        with_explanations.*,
        sum(with_explanations.billing_movement) over (
            partition by with_explanations.subsidiary_id, with_explanations.currency_code
            order by with_explanations.period
            rows between unbounded preceding and current row
        ) as billing_open_ar,
        sum(with_explanations.gl_movement) over (
            partition by with_explanations.subsidiary_id, with_explanations.currency_code
            order by with_explanations.period
            rows between unbounded preceding and current row
        ) as gl_ar_balance,
        sum(with_explanations.explained_movement) over (
            partition by with_explanations.subsidiary_id, with_explanations.currency_code
            order by with_explanations.period
            rows between unbounded preceding and current row
        ) as explained_difference
    from with_explanations

),

final as (

    select
        cast(balances.subsidiary_id as {{ dbt.type_int() }}) as subsidiary_id,
        balances.period,
        balances.currency_code as currency,
        subsidiaries.functional_currency,
        balances.billing_movement,
        balances.gl_movement,
        balances.billing_open_ar,
        balances.gl_ar_balance,
        balances.gl_ar_balance - balances.billing_open_ar as difference,
        balances.explained_difference,
        balances.gl_ar_balance - balances.billing_open_ar - balances.explained_difference
            as unexplained_difference,
        {{ within_tolerance(
            'balances.gl_ar_balance - balances.billing_open_ar - balances.explained_difference',
            'currencies.absolute_tolerance',
            'currencies.relative_tolerance',
            '0',
        ) }} as is_tied_out
    from balances
    left join subsidiaries
        on balances.subsidiary_id = subsidiaries.subsidiary_id
    left join currencies
        on balances.currency_code = currencies.currency_code
    -- Balances are cumulative, so every earlier period is summed before this filter.
    where {{ in_period_range('balances.period') }}

)

select * from final

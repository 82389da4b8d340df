-- Metered usage of a finished period that no invoice line of its subscription
-- item covers. The value at stake is the usage at the item's unit price.
with

usage_summaries as (

    select * from {{ ref('stg_stripe__usage_record_summaries') }}

),

subscription_items as (

    select * from {{ ref('subscription_items') }}

),

subscriptions as (

    select * from {{ ref('subscriptions') }}

),

invoice_lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

periods as (

    select * from {{ ref('accounting_periods') }}

),

currencies as (

    select * from {{ ref('canonical_currencies') }}

),

covering_lines as (

    select distinct usage_summaries.usage_record_summary_id
    from usage_summaries
    inner join invoice_lines
        on
            usage_summaries.subscription_item_id = invoice_lines.subscription_item_id
            and usage_summaries.period_started_at >= invoice_lines.period_started_at
            and usage_summaries.period_ended_at <= invoice_lines.period_ended_at

),

unbilled_usage as (

    select
        usage_summaries.usage_record_summary_id,
        usage_summaries.total_usage,
        subscription_items.subscription_item_id,
        subscription_items.currency_code,
        subscription_items.unit_amount,
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.subsidiary_id,
        {{ to_local_date(
            'usage_summaries.period_started_at', "coalesce(subscriptions.time_zone, 'UTC')"
        ) }} as document_date,
        round(
            usage_summaries.total_usage * coalesce(subscription_items.unit_amount, 0),
            coalesce(currencies.minor_unit, 2)
        ) as usage_value
    from usage_summaries
    left join covering_lines
        on usage_summaries.usage_record_summary_id = covering_lines.usage_record_summary_id
    left join subscription_items
        on usage_summaries.subscription_item_id = subscription_items.subscription_item_id
    left join subscriptions
        on subscription_items.subscription_id = subscriptions.subscription_id
    left join currencies
        on subscription_items.currency_code = currencies.currency_code
    where
        usage_summaries.total_usage > 0
        and usage_summaries.period_ended_at < usage_summaries.snapshot_at
        and covering_lines.usage_record_summary_id is null

),

final as (

    select
        'USAGE_NOT_BILLED' as reason_code,
        'usage' as pair,
        unbilled_usage.subsidiary_id,
        periods.period,
        unbilled_usage.customer_id,
        'stripe' as source_system,
        'usage_record_summary' as source_object,
        unbilled_usage.usage_record_summary_id as source_id,
        'stripe' as left_system,
        'usage_record_summary' as left_object,
        unbilled_usage.usage_record_summary_id as left_id,
        'stripe' as right_system,
        'invoice_line' as right_object,
        cast(null as {{ dbt.type_string() }}) as right_id,
        unbilled_usage.currency_code as transaction_currency,
        unbilled_usage.usage_value as left_amount,
        cast(0 as {{ dbt.type_numeric() }}) as right_amount,
        -unbilled_usage.usage_value as difference,
        cast(null as {{ dbt.type_string() }}) as functional_currency,
        cast(null as {{ dbt.type_numeric() }}) as left_amount_functional,
        cast(null as {{ dbt.type_numeric() }}) as right_amount_functional,
        unbilled_usage.document_date,
        {{ dbt.concat([
            dbt.safe_cast('unbilled_usage.total_usage', dbt.type_string()),
            "' units of '",
            'unbilled_usage.subscription_item_id',
            "' not invoiced'",
        ]) }} as detail
    from unbilled_usage
    left join periods
        on unbilled_usage.document_date between periods.start_date and periods.end_date

)

select * from final

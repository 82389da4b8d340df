with

source as (

    {{ latest_snapshot_rows('stripe', 'usage_record_summary') }}

),

usage_record_summaries as (

    select
        id as usage_record_summary_id,
        subscription_item as subscription_item_id,
        invoice as invoice_id,
        total_usage,
        period_start as period_started_at,
        period_end as period_ended_at,
        _load_id as load_id,
        _snapshot_at as snapshot_at
    from source

),

final as (

    select * from usage_record_summaries

)

select * from final

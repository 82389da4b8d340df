-- Monthly value of a licensed item: unit amount x quantity, spread over the
-- months of its billing interval. Metered items have no fixed value, so their
-- monthly value is 0 and their usage is checked against invoice lines instead.
with

subscription_items as (

    select * from {{ ref('stg_stripe__subscription_items') }}

),

product_mapping as (

    select * from {{ ref('product_mapping') }}

),

valued_items as (

    select
        subscription_items.*,
        case subscription_items.recurring_interval
            when 'month' then 1.0
            when 'year' then 12.0
            when 'week' then 12.0 / 52
            when 'day' then 12.0 / 365
        end * subscription_items.recurring_interval_count as interval_months
    from subscription_items

),

final as (

    select
        valued_items.subscription_item_id,
        valued_items.subscription_id,
        valued_items.price_id,
        valued_items.product_id,
        product_mapping.product_family,
        valued_items.currency_code,
        valued_items.unit_amount,
        valued_items.quantity,
        valued_items.recurring_interval,
        valued_items.recurring_interval_count,
        coalesce(valued_items.usage_type, 'licensed') as usage_type,
        case
            when valued_items.usage_type = 'metered' then 0
            else
                coalesce(valued_items.unit_amount, 0)
                * coalesce(valued_items.quantity, 1)
                / nullif(valued_items.interval_months, 0)
        end as monthly_value,
        valued_items.created_at,
        valued_items.current_period_started_at,
        valued_items.current_period_ended_at
    from valued_items
    left join product_mapping
        on valued_items.product_id = product_mapping.stripe_product_id

)

select * from final
